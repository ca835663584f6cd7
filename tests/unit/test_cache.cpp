#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "oasis/core/binary.hpp"
#include "oasis/core/cache.hpp"
#include "oasis/core/error.hpp"

using namespace oasis;
namespace fs = std::filesystem;

namespace {
fs::path fresh_dir(const char* name) {
  const auto d = fs::temp_directory_path() / fmt::format("oasis-cache-{}-{}", name, ::getpid());
  fs::remove_all(d);
  return d;
}
std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

TEST_CASE("binary reader and writer: values, vectors, strings, a truncated buffer is an error, not a wild read") {
  BinaryWriter w;
  w.put<std::uint32_t>(7);
  w.put(2.5);
  w.put_str("Tours");
  w.put_vec(std::vector<int>{1, 2, 3});
  const auto b = w.bytes();
  CHECK(b.size() == 4 + 8 + (4 + 5) + (8 + 12));
  BinaryReader r(b, "f.bin", "test file", "rebuild it");
  CHECK(r.get<std::uint32_t>() == 7);
  CHECK(r.get<double>() == 2.5);
  CHECK(r.get_str() == "Tours");
  CHECK(r.get_vec<int>() == std::vector<int>{1, 2, 3});
  CHECK(r.at_end());
  for (std::size_t cut : {std::size_t{3}, std::size_t{14}, b.size() - 1}) {
    BinaryReader t(std::string_view(b).substr(0, cut), "f.bin", "test file", "rebuild it");
    auto all = [&] { t.get<std::uint32_t>(), t.get<double>(), t.get_str(), t.get_vec<int>(); };
    CHECK_THROWS_WITH(all(), Catch::Contains("truncated test file"));
  }
  // A length field larger than the buffer: refused before allocating.
  BinaryWriter huge;
  huge.put(std::uint64_t{1} << 60);
  BinaryReader h(huge.bytes(), "f.bin", "test file", "rebuild it");
  CHECK_THROWS_AS(h.get_vec<double>(), Error);
}

TEST_CASE("file cache: what is written is read back for its key only, damaged and foreign entries are misses") {
  const auto dir = fresh_dir("rw");
  const FileCache cache(dir);
  CHECK_FALSE(cache.read("demo", "key 1"));
  cache.write("demo", "key 1", std::string("payload\0one", 11));
  const auto back = cache.read("demo", "key 1");
  REQUIRE(back);
  CHECK(*back == std::string("payload\0one", 11));
  CHECK_FALSE(cache.read("demo", "key 2"));
  CHECK_FALSE(cache.read("other", "key 1"));

  const auto file = cache.entry("demo", "key 1");
  auto b = bytes_of(file);
  SECTION("one byte of the payload changed") {
    b[b.size() - 3] ^= 1;
    std::ofstream(file, std::ios::binary) << b;
    CHECK_FALSE(cache.read("demo", "key 1"));
  }
  SECTION("truncated") {
    std::ofstream(file, std::ios::binary) << b.substr(0, b.size() - 1);
    CHECK_FALSE(cache.read("demo", "key 1"));
  }
  SECTION("another file under the entry's name") {
    std::ofstream(file, std::ios::binary) << "{not an entry";
    CHECK_FALSE(cache.read("demo", "key 1"));
    cache.write("demo", "key 1", "again");  // rewritten
    CHECK(cache.read("demo", "key 1") == std::optional<std::string>("again"));
  }
  fs::remove_all(dir);
}

TEST_CASE("file cache: off, unwritable, the least recently used beyond the budget removed, concurrent writers") {
  CHECK_FALSE(FileCache().enabled());
  FileCache().write("demo", "k", "v");  // off: nothing happens
  CHECK_FALSE(FileCache().read("demo", "k"));
  const FileCache ro("/proc/oasis-no-such-dir");  // cannot be created, even by root
  ro.write("demo", "k", "v");                     // skipped without an error
  CHECK_FALSE(ro.read("demo", "k"));
  const auto dir = fresh_dir("lru");
  const FileCache small(dir, 3);
  // Written 0..4, key 0 read after key 2 was written: keys 1 and 2 are the least recently used.
  for (int i = 0; i < 5; ++i) {
    small.write("demo", fmt::format("key {}", i), "x");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct modification times
    if (i == 2) CHECK(small.read("demo", "key 0"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string().starts_with("demo-");
  CHECK(n == 3);
  CHECK_FALSE(small.read("demo", "key 1"));
  CHECK_FALSE(small.read("demo", "key 2"));
  CHECK(small.read("demo", "key 0"));
  CHECK(small.read("demo", "key 3"));
  CHECK(small.read("demo", "key 4"));
  fs::remove_all(dir);

  // Eight threads write and read the same entry: every read is a miss or the whole payload.
  const auto cdir = fresh_dir("concurrent");
  const FileCache shared(cdir);
  const std::string payload(1 << 20, 'p');
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k) {
        shared.write("demo", "same", payload);
        const auto r = shared.read("demo", "same");
        if (r && *r != payload) ++bad;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(bad == 0);
  CHECK(shared.read("demo", "same") == std::optional<std::string>(payload));
  std::size_t left = 0;
  for (const auto& e : fs::directory_iterator(cdir)) {
    ++left;
    CHECK(e.path().extension() == ".bin");
  }
  CHECK(left == 1);  // no temporary left behind
  fs::remove_all(cdir);
}
