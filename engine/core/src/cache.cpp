#include "oasis/core/cache.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "oasis/core/binary.hpp"
#include "oasis/core/checksum.hpp"
#include "oasis/core/version.hpp"

namespace oasis {

namespace fs = std::filesystem;

namespace {
constexpr char kMagic[8] = {'O', 'A', 'S', 'I', 'S', 'P', 'C', '1'};
std::atomic<unsigned> g_writes{0};  // temporary names unique within the process too (threads, sessions)
}  // namespace

FileCache FileCache::user_default() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return FileCache(fs::path(x) / "oasis");
  if (const char* h = std::getenv("HOME"); h && *h) return FileCache(fs::path(h) / ".cache" / "oasis");
  return {};
}

fs::path FileCache::entry(std::string_view kind, std::string_view key) const {
  return dir_ / fmt::format("{}-{}.bin", kind, sha256_text(key).substr(0, 32));
}

std::optional<std::string> FileCache::read(std::string_view kind, std::string_view key) const {
  if (!enabled()) return std::nullopt;
  const auto file = entry(kind, key);
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  const std::string buf = ss.str();
  try {
    BinaryReader r(buf, file.string(), "cache entry", "it is rebuilt");
    if (r.get_bytes(sizeof(kMagic)) != std::string_view(kMagic, sizeof(kMagic))) return std::nullopt;
    if (r.get_str() != kVersion || r.get_str() != kind || r.get_str() != key) return std::nullopt;
    const auto sum = r.get_str();
    const auto n = r.get<std::uint64_t>();
    const auto payload = r.get_bytes(n);
    if (!r.at_end() || sha256_text(payload) != sum) return std::nullopt;
    std::error_code ec;
    fs::last_write_time(file, fs::file_time_type::clock::now(), ec);  // recently used
    return std::string(payload);
  } catch (const Error&) {
    return std::nullopt;
  }
}

void FileCache::write(std::string_view kind, std::string_view key, std::string_view payload) const {
  if (!enabled()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  const auto file = entry(kind, key);
  const fs::path tmp = file.string() + fmt::format(".tmp.{}.{}", ::getpid(), g_writes++);
  {
    BinaryWriter w;
    w.put_bytes(std::string_view(kMagic, sizeof(kMagic)));
    w.put_str(kVersion);
    w.put_str(kind);
    w.put_str(key);
    w.put_str(sha256_text(payload));
    w.put(static_cast<std::uint64_t>(payload.size()));
    w.put_bytes(payload);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(w.bytes().data(), static_cast<std::streamsize>(w.bytes().size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return;
  }
  // Least recently used entries of this kind beyond the budget.
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  const std::string prefix = fmt::format("{}-", kind);
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const auto name = e.path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".bin")) entries.emplace_back(e.last_write_time(ec), e.path());
  }
  if (entries.size() <= keep_) return;
  std::sort(entries.begin(), entries.end(), std::greater<>());
  for (std::size_t i = keep_; i < entries.size(); ++i)
    if (entries[i].second != file) fs::remove(entries[i].second, ec);
}

}  // namespace oasis
