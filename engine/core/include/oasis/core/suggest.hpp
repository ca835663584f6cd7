#pragma once
// "Did you mean ...?": the closest known word to a mistyped one (scenario keys, CLI options).
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace oasis {

/// Levenshtein distance (insertions, deletions, substitutions of one byte each).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a typo (at most 2 edits, or half
/// the longer word's length), else "". Ties: the first candidate.
std::string closest(std::string_view word, std::span<const std::string> candidates);

/// True when `text` is valid UTF-8; else `*bad_offset` (when given) gets the first invalid byte.
bool valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

}  // namespace oasis
