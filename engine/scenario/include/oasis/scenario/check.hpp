#pragma once
// The check of one TOML value against its declaration (type, choices, range), with the error
// codes and messages of scenario files: for other files declared the same way (sweep files).
#include <string>

#include <toml++/toml.h>

#include "oasis/scenario/scenario.hpp"

namespace oasis::scenario {

/// Throws E-SCENARIO-TYPE / E-SCENARIO-VALUE naming `file`, the line and `shown` (the key as the
/// reader wrote it) unless `v` fits `d`. Tables, arrays of tables and maps are the caller's.
void check_scalar(const OptionDecl& d, const std::string& shown, const toml::node& v, const std::string& file);

/// The declaration of a dotted scenario key ("zoning.caps.24.zip" matches "zoning.caps.*.zip"), or nullptr.
const OptionDecl* declaration_of(const std::string& key);
/// Whether the key is inside an array of tables ("modify.add.amount").
bool in_table_array(const std::string& key);

}  // namespace oasis::scenario
