#include "oasis/core/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <csignal>
#include <fcntl.h>
#include <stdio.h>
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
    throw Error(Errc::exists, "output already exists", path.string(), {}, "pass --overwrite to replace it, or choose another output name");
  const fs::path tmp = path.string() + fmt::format(".tmp.{}", ::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    throw Error(Errc::io, fmt::format("cannot create output: {}", std::strerror(errno)), tmp.string(), {},
                "check that the folder exists and is writable");
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
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

namespace {

namespace fs = std::filesystem;

std::string litter_prefix(const fs::path& target) { return fmt::format(".{}.oasis-staging-", target.filename().string()); }

/// Staging folders beside `target` whose process has ended: a killed run's leftovers.
void clean_litter(const fs::path& target) {
  std::error_code ec;
  const auto parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  const auto prefix = litter_prefix(target);
  std::vector<fs::path> dead;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const auto pid = std::atol(name.c_str() + prefix.size());
    if (pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;  // still running
    dead.push_back(it->path());
  }
  for (const auto& d : dead) fs::remove_all(d, ec);
}

}  // namespace

StagedFolder::StagedFolder(fs::path target) : target_(std::move(target)) {
  if (target_.filename().empty()) target_ = target_.parent_path();  // "out/" -> "out"
  clean_litter(target_);
  staging_ = target_.parent_path() / fmt::format("{}{}", litter_prefix(target_), ::getpid());
  std::error_code ec;
  fs::remove_all(staging_, ec);
  if (!target_.parent_path().empty()) fs::create_directories(target_.parent_path(), ec);
  if (ec || !fs::create_directory(staging_, ec) || ec)
    throw Error(Errc::io, fmt::format("cannot create the output folder: {}", ec ? ec.message() : "it exists"), staging_.string(), {},
                "check that the parent folder exists and is writable");
}

StagedFolder::~StagedFolder() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(staging_, ec);
}

void StagedFolder::commit() {
  std::error_code ec;
  const bool exists = fs::exists(target_, ec);
  if (!exists) {
    fs::rename(staging_, target_, ec);
    if (ec) throw Error(Errc::io, fmt::format("cannot move the new outputs into place: {}", ec.message()), target_.string());
    committed_ = true;
    return;
  }
  if (!fs::is_directory(target_, ec))
    throw Error(Errc::io, "the output path exists and is not a folder", target_.string(), {}, "choose another output folder");
  // One atomic step: the staging folder becomes the target, the previous target takes its name.
  if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) != 0) {
    if (errno != EINVAL && errno != ENOSYS)
      throw Error(Errc::io, fmt::format("cannot swap the new outputs into place: {}", std::strerror(errno)), target_.string());
    // A file system without the exchange: two renames (a kill between them leaves the previous
    // outputs under the staging name, and no target).
    const auto old = fmt::format("{}.old", staging_.string());
    fs::rename(target_, old, ec);
    if (ec) throw Error(Errc::io, fmt::format("cannot move the previous outputs aside: {}", ec.message()), target_.string());
    fs::rename(staging_, target_, ec);
    if (ec) {
      std::error_code ec2;
      fs::rename(old, target_, ec2);
      throw Error(Errc::io, fmt::format("cannot move the new outputs into place: {}", ec.message()), target_.string());
    }
    fs::rename(old, staging_, ec);
  }
  committed_ = true;
  fs::remove_all(staging_, ec);  // the previous outputs
}

}  // namespace oasis
