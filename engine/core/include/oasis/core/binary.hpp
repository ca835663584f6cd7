#pragma once
// The engine's own binary files (the OD table .odb, the prepared-input cache): fixed-size values
// in the machine's byte order, strings with a 32-bit length. The reader checks every length
// against what is left, so a truncated or damaged file is an Error, never a wild read.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "oasis/core/error.hpp"

namespace oasis {

class BinaryWriter {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  /// The elements only (the reader is told how many).
  template <class T>
  void put_array(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    buf_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  /// The size (64 bits), then the elements.
  template <class T>
  void put_vec(const std::vector<T>& v) {
    put(static_cast<std::uint64_t>(v.size()));
    put_array(v);
  }
  void put_str(std::string_view s) {
    put(static_cast<std::uint32_t>(s.size()));
    buf_.append(s);
  }
  void put_bytes(std::string_view s) { buf_.append(s); }
  const std::string& bytes() const noexcept { return buf_; }
  std::string take() noexcept { return std::move(buf_); }

 private:
  std::string buf_;
};

class BinaryReader {
 public:
  /// `file` and `fix` go into the Error of a truncated buffer.
  BinaryReader(std::string_view buf, std::string file, std::string what, std::string fix)
      : buf_(buf), file_(std::move(file)), what_(std::move(what)), fix_(std::move(fix)) {}

  void need(std::size_t n) const {
    if (buf_.size() - pos_ < n) throw Error(Errc::format, "truncated " + what_, file_, {}, fix_);
  }
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, buf_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  template <class T>
  void get_array(std::vector<T>& v, std::uint64_t n) {
    if (n > (buf_.size() - pos_) / sizeof(T)) need(buf_.size() + 1);  // before any allocation
    v.resize(n);
    if (n) std::memcpy(v.data(), buf_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
  }
  template <class T>
  std::vector<T> get_vec() {
    std::vector<T> v;
    get_array(v, get<std::uint64_t>());
    return v;
  }
  std::string get_str() {
    const auto n = get<std::uint32_t>();
    need(n);
    std::string s(buf_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string_view get_bytes(std::size_t n) {
    need(n);
    const auto s = buf_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::size_t position() const noexcept { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  bool at_end() const noexcept { return pos_ == buf_.size(); }

 private:
  std::string_view buf_;
  std::size_t pos_ = 0;
  std::string file_, what_, fix_;
};

}  // namespace oasis
