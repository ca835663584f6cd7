#include "oasis/core/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <unistd.h>

#include "oasis/core/error.hpp"

namespace oasis {

std::string read_file(const std::filesystem::path& path, std::string_view what, std::string_view fix) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Errc::io, fmt::format("cannot read {}", what), path.string(), {}, std::string(fix));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(Errc::io, fmt::format("reading {} failed", what), path.string(), {}, std::string(fix));
  return ss.str();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!overwrite && fs::exists(path, ec))
    throw Error(Errc::exists, "output already exists", path.string(), {},
                "pass --overwrite to replace it, or choose another output name");
  const fs::path tmp = path.string() + fmt::format(".tmp.{}", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw Error(Errc::io, fmt::format("cannot create output: {}", std::strerror(errno)), tmp.string(), {},
                "check that the folder exists and is writable");
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 &&
                  ::fsync(::fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    fs::remove(tmp, ec);
    throw Error(Errc::io, "write failed (disk full?)", path.string());
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(Errc::io, fmt::format("cannot rename the temporary output: {}", ec.message()), path.string());
  }
}

}  // namespace oasis
