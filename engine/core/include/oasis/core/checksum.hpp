#pragma once
// File checksums for the provenance block of the outputs (SHA-256, as geodata/sources.tsv), and
// Base64 for files embedded in a page (OpenSSL for both).
#include <filesystem>
#include <string>

namespace oasis {

/// Lower-case hexadecimal SHA-256 of a file's bytes. Throws Error(io) when unreadable.
std::string sha256_file(const std::filesystem::path& file);
/// SHA-256 of a string (e.g. the resolved scenario).
std::string sha256_text(std::string_view text);
/// Standard Base64 (RFC 4648, with padding, no line breaks), e.g. a PNG in a data: URL.
std::string base64(std::string_view bytes);

}  // namespace oasis
