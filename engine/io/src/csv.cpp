#include "oasis/io/csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <csv.h>
#include <fmt/format.h>

#include "oasis/core/atomic_file.hpp"
#include "oasis/core/error.hpp"

namespace oasis::io {
namespace {

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80)
      n = 0;
    else if ((c >> 5) == 0x6)
      n = 1;
    else if ((c >> 4) == 0xE)
      n = 2;
    else if ((c >> 3) == 0x1E)
      n = 3;
    else
      return false;
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += n + 1;
  }
  return true;
}

std::string latin1_to_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out.push_back(ch);
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(trim(s));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// libcsv callbacks accumulate one record at a time and hand it to the user function.
struct ParseState {
  std::vector<std::string> record;
  const std::function<void(const CsvRecord&)>* fn = nullptr;
  std::size_t width = 0;
  std::size_t number = 0;
  std::size_t line = 0;       // line where the current record starts
  std::size_t next_line = 0;  // line after the last consumed newline
  std::exception_ptr error;
  bool stop_on_first = false;  // header mode: keep the first record, then stop
  bool got_header = false;
};

void on_field(void* data, std::size_t len, void* state) {
  auto* st = static_cast<ParseState*>(state);
  if (st->error || (st->stop_on_first && st->got_header)) return;
  st->record.emplace_back(static_cast<const char*>(data), len);
}

void on_record(int, void* state) {
  auto* st = static_cast<ParseState*>(state);
  if (st->error || (st->stop_on_first && st->got_header)) return;
  if (st->stop_on_first) {
    st->got_header = true;
    return;
  }
  if (st->record.size() == 1 && st->record[0].empty()) {  // blank line
    st->record.clear();
    return;
  }
  ++st->number;
  if (st->record.size() < st->width) st->record.resize(st->width);
  try {
    (*st->fn)(CsvRecord{st->number, st->line, st->record});
  } catch (...) {
    st->error = std::current_exception();
  }
  st->record.clear();
}

}  // namespace

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n\"");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n\"");
  return s.substr(b, e - b + 1);
}

std::optional<double> parse_number(std::string_view text, bool decimal_comma) {
  auto t = trim(text);
  if (t.empty()) return std::nullopt;
  std::string buf;
  if (decimal_comma && t.find(',') != std::string_view::npos) {
    buf.assign(t);
    std::replace(buf.begin(), buf.end(), ',', '.');
    t = buf;
  }
  if (t.front() == '+') t.remove_prefix(1);
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || ptr != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

CsvFile::CsvFile(const std::filesystem::path& path, char separator) : path_(path) {
  check_input_file(path, InputKind::table, "the table");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Errc::io, "cannot open the file", path.string(), {}, "check the path and the --data folder");
  std::ostringstream ss;
  ss << in.rdbuf();
  text_ = std::move(ss).str();
  if (text_.size() >= 3 && text_.compare(0, 3, "\xEF\xBB\xBF") == 0) text_.erase(0, 3);
  if (text_.size() >= 2 && (text_.compare(0, 2, "\xFF\xFE") == 0 || text_.compare(0, 2, "\xFE\xFF") == 0))
    throw Error(Errc::format, "the file is UTF-16 (Excel's \"Unicode text\"), not UTF-8", path.string(), {},
                "save it as \"CSV UTF-8\" (Excel) or convert it: iconv -f UTF-16 -t UTF-8 FILE > FILE.csv");
  // Line ends: a lone CR (classic Mac OS, Excel's "CSV Macintosh") ends a line as LF and CRLF do.
  if (text_.find('\r') != std::string::npos)
    for (std::size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\r' && (i + 1 == text_.size() || text_[i + 1] != '\n')) text_[i] = '\n';
  if (!valid_utf8(text_)) {
    text_ = latin1_to_utf8(text_);
    latin1_ = true;
  }
  const auto eol = text_.find('\n');
  std::string_view first = std::string_view(text_).substr(0, eol);
  if (trim(first).empty())
    throw Error(Errc::empty_input, "the file is empty or has no header line", path.string(), {},
                "a delimited file starts with a header line naming its columns");
  if (separator == 0) {
    std::size_t best = 0;
    sep_ = ',';
    for (char c : {',', ';', '|', '\t'}) {
      const auto n = static_cast<std::size_t>(std::count(first.begin(), first.end(), c));
      if (n > best) best = n, sep_ = c;
    }
  } else {
    sep_ = separator;
  }
  // The header line: parse it alone (headers never contain newlines in the formats we read).
  csv_parser p;
  csv_init(&p, 0);
  csv_set_delim(&p, static_cast<unsigned char>(sep_));
  ParseState st;
  st.stop_on_first = true;
  std::string head(first);
  csv_parse(&p, head.data(), head.size(), on_field, on_record, &st);
  csv_fini(&p, on_field, on_record, &st);
  csv_free(&p);
  header_ = std::move(st.record);
  for (auto& h : header_) h = std::string(trim(h));
  // A trailing separator (ANS extractions end every line with '|') yields an empty last column.
  while (!header_.empty() && header_.back().empty()) header_.pop_back();
  body_offset_ = eol == std::string::npos ? text_.size() : eol + 1;
}

std::optional<std::size_t> CsvFile::column(std::initializer_list<std::string_view> names) const {
  for (auto want : names) {
    const auto w = lower(want);
    for (std::size_t i = 0; i < header_.size(); ++i)
      if (lower(header_[i]) == w) return i;
  }
  return std::nullopt;
}

std::size_t CsvFile::require(std::initializer_list<std::string_view> names, std::string_view what) const {
  if (auto c = column(names)) return *c;
  std::string wanted, present;
  for (auto n : names) wanted += (wanted.empty() ? "" : ", ") + std::string(n);
  for (const auto& h : header_) present += (present.empty() ? "" : ", ") + h;
  throw Error(
      Errc::field_missing, fmt::format("no column for {} (looked for: {})", what, wanted), path_.string(), "header",
      fmt::format("rename the column, or name it with the matching option; columns present: {}", present.empty() ? "none" : present));
}

void CsvFile::for_each(const std::function<void(const CsvRecord&)>& fn) const {
  csv_parser p;
  csv_init(&p, 0);
  csv_set_delim(&p, static_cast<unsigned char>(sep_));
  ParseState st;
  st.fn = &fn;
  st.width = header_.size();
  // Feed line by line so each record knows the line it starts on (quoted fields may span lines).
  std::size_t pos = body_offset_;
  std::size_t line = body_line_;
  while (pos < text_.size() && !st.error) {
    const auto nl = text_.find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text_.size() : nl + 1;
    if (p.pstate == 0 && st.record.empty()) st.line = line;  // ROW_NOT_BEGUN: a new record starts here
    if (csv_parse(&p, text_.data() + pos, end - pos, on_field, on_record, &st) != end - pos) {
      csv_free(&p);
      throw Error(Errc::format, csv_strerror(csv_error(&p)), path_.string(), fmt::format("line {}", line));
    }
    pos = end;
    ++line;
  }
  if (!st.error && p.pstate == 2 && p.quoted) {  // FIELD_BEGUN inside quotes at the end of the file
    csv_free(&p);
    throw Error(Errc::format, "a quoted field is never closed: the rest of the file would be read as one field", path_.string(),
                fmt::format("line {}", st.line), "close the quote (\") or remove it");
  }
  if (!st.error) csv_fini(&p, on_field, on_record, &st);
  csv_free(&p);
  if (st.error) std::rethrow_exception(st.error);
}

std::string CsvFile::where(const CsvRecord& r) const { return fmt::format("line {}", r.line); }

}  // namespace oasis::io
