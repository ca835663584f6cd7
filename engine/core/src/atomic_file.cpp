#include "oasis/core/atomic_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <mutex>
#include <set>
#include <vector>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <csignal>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oasis/core/error.hpp"

namespace oasis {

namespace {

std::mutex g_inputs_mutex;
int g_scopes = 0;
std::set<std::filesystem::path> g_inputs;  // real paths, while an InputScope lives

std::string_view kind_name(InputKind k) {
  switch (k) {
    case InputKind::text: return "text inputs (scenario, rule files, source pages)";
    case InputKind::table: return "tables (supply, zone lists, travel tables, applications)";
    case InputKind::geometry: return "geometry files";
    case InputKind::json: return "COG JSON files";
  }
  return "inputs";
}

}  // namespace

std::uint64_t input_limit(InputKind kind) {
  constexpr std::uint64_t MB = 1024 * 1024;
  if (const char* env = std::getenv("OASIS_MAX_INPUT_MB"); env && *env) {
    char* end = nullptr;
    const auto v = std::strtoull(env, &end, 10);
    if (end && *end == '\0' && v > 0 && v < (std::uint64_t{1} << 40)) return v * MB;
    throw Error(Errc::usage, fmt::format("OASIS_MAX_INPUT_MB = '{}' is not a positive whole number of MB", env), {}, {},
                "e.g. OASIS_MAX_INPUT_MB=8192, or unset it for the documented limits");
  }
  switch (kind) {
    case InputKind::text: return 64 * MB;
    case InputKind::table: return 4096 * MB;
    case InputKind::geometry: return 2048 * MB;
    case InputKind::json: return 512 * MB;
  }
  return 64 * MB;
}

std::uint64_t vertex_budget() {
  if (const char* env = std::getenv("OASIS_MAX_VERTICES"); env && *env) {
    char* end = nullptr;
    const auto v = std::strtoull(env, &end, 10);
    if (end && *end == '\0' && v > 0 && v < (std::uint64_t{1} << 40)) return v;
    throw Error(
        Errc::usage, fmt::format("OASIS_MAX_VERTICES = '{}' is not a positive whole number of vertices", env), {}, {},
        fmt::format("e.g. OASIS_MAX_VERTICES=20000000, or unset it for the documented budget ({} a feature)", kDefaultVertexBudget));
  }
  return kDefaultVertexBudget;
}

void check_input_file(const std::filesystem::path& path, InputKind kind, std::string_view what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw Error(Errc::io, fmt::format("{} does not exist", what), path.string(), {}, "check the path and the --data folder");
  if (!fs::is_regular_file(st)) {
    const char* is = fs::is_directory(st)                                 ? "a folder"
                     : fs::is_fifo(st)                                    ? "a named pipe (FIFO)"
                     : fs::is_character_file(st) || fs::is_block_file(st) ? "a device"
                     : fs::is_socket(st)                                  ? "a socket"
                                                                          : "not a regular file";
    throw Error(Errc::io, fmt::format("{} is {}, not a regular file: reading it could block or never end", what, is), path.string(), {},
                "give the path of a file (copy a pipe's content to a file first)");
  }
  const auto size = fs::file_size(path, ec);
  const auto limit = input_limit(kind);
  if (!ec && size > limit)
    throw Error(Errc::limit,
                fmt::format("{} is {:.0f} MB, above the {:.0f} MB limit of {}", what, static_cast<double>(size) / 1048576.0,
                            static_cast<double>(limit) / 1048576.0, kind_name(kind)),
                path.string(), {},
                "check that it is the right file; if it is, raise the limit: OASIS_MAX_INPUT_MB=<MB> (docs/reliability.md)");
  const std::lock_guard lock(g_inputs_mutex);
  if (g_scopes > 0) {
    const auto real = fs::weakly_canonical(path, ec);
    if (!ec) g_inputs.insert(real);
  }
}

InputScope::InputScope() {
  const std::lock_guard lock(g_inputs_mutex);
  ++g_scopes;
}

InputScope::~InputScope() {
  const std::lock_guard lock(g_inputs_mutex);
  if (--g_scopes == 0) g_inputs.clear();
}

void refuse_input_as_output(const std::filesystem::path& output) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto real = fs::weakly_canonical(output, ec);
  if (ec) return;
  const std::lock_guard lock(g_inputs_mutex);
  for (const auto& in : g_inputs) {
    const auto [a, b] = std::mismatch(real.begin(), real.end(), in.begin(), in.end());
    if (a == real.end())  // `in` is `output` or lies inside it
      throw Error(Errc::usage,
                  in == real
                      ? "the output would replace one of the inputs"
                      : fmt::format("the output folder holds one of the inputs ({}): replacing it would lose that input", in.string()),
                  output.string(), {}, "choose another output name (-o)");
  }
}

std::string read_file(const std::filesystem::path& path, std::string_view what, std::string_view fix, InputKind kind) {
  check_input_file(path, kind, what);
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
  refuse_input_as_output(path);
  if (fs::is_directory(path, ec))
    throw Error(Errc::io, "a folder of that name exists where the output file goes", path.string(), {},
                "choose another output name, or remove the folder");
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

std::string_view trim_pid(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  return s;
}

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
  std::error_code ec0;
  if (!target_.parent_path().empty()) fs::create_directories(target_.parent_path(), ec0);
  // One run at a time per output folder: an exclusive lock on ".NAME.oasis-lock" beside it, held
  // until this object goes (the system drops it if the process dies); the holder's pid is in it.
  // The file is removed when the run ends: a lock taken on a file another run has just removed
  // (its path now names another file, or none) is dropped and taken again on the current one.
  lock_path_ = target_.parent_path() / fmt::format(".{}.oasis-lock", target_.filename().string());
  for (int attempt = 0; attempt < 8; ++attempt) {
    lock_fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) break;
    struct stat held {
    }, now{};
    if (::fstat(lock_fd_, &held) == 0 && ::stat(lock_path_.c_str(), &now) == 0 && held.st_ino == now.st_ino && held.st_dev == now.st_dev)
      break;
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
  if (lock_fd_ >= 0 && ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    const auto got = ::pread(lock_fd_, buf, sizeof buf - 1, 0);
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw Error(Errc::busy,
                fmt::format("another run (process {}) is writing this output folder",
                            got > 0 ? std::string(trim_pid(std::string_view(buf, static_cast<std::size_t>(got)))) : "?"),
                target_.string(), {}, "wait for it to finish, or write to another folder (-o)");
  }
  if (lock_fd_ >= 0) {
    const auto pid = std::to_string(::getpid());
    if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {
      // the pid is only for the message of a second run
    }
  }
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
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
  if (lock_fd_ >= 0) {  // removed while held, then released: no litter beside the output
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
  }
}

void StagedFolder::commit() {
  refuse_input_as_output(target_);
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
