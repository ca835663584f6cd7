#include "oasis/core/checksum.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace oasis {
namespace {
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

MdCtx start() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) throw Error(Errc::internal, "OpenSSL: cannot start SHA-256");
  return ctx;
}

std::string finish(EVP_MD_CTX* ctx) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, md.data(), &len) != 1) throw Error(Errc::internal, "OpenSSL: cannot finish SHA-256");
  std::string hex;
  hex.reserve(2 * static_cast<std::size_t>(len));
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}
}  // namespace

std::string sha256_file(const std::filesystem::path& file) {
  check_input_file(file, InputKind::table, "the file to checksum");  // never a FIFO or a device
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(Errc::io, "cannot read the file to checksum it", file.string());
  auto ctx = start();
  std::array<char, 1 << 16> buf{};
  while (in) {
    in.read(buf.data(), buf.size());
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(Errc::io, "read error while checksumming", file.string());
  return finish(ctx.get());
}

std::string sha256_text(std::string_view text) {
  auto ctx = start();
  EVP_DigestUpdate(ctx.get(), text.data(), text.size());
  return finish(ctx.get());
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  // EVP_EncodeBlock takes an int length: encode in slices of 3 x 2^28 bytes at most.
  constexpr std::size_t slice = std::size_t{3} << 28;
  std::size_t written = 0;
  for (std::size_t at = 0; at < bytes.size(); at += slice) {
    const auto len = std::min(slice, bytes.size() - at);
    written += static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + written),
                                                        reinterpret_cast<const unsigned char*>(bytes.data() + at), static_cast<int>(len)));
  }
  out.resize(written);
  return out;
}

}  // namespace oasis
