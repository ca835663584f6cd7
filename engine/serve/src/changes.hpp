#pragma once
// The planner's changes (docs/serve.md, "What a session can change"): a JSON change checked by the
// scenario schema and written into the session's scenario document; the panels' keys and values.
#include <string>

#include <toml++/toml.h>

#include "oasis/core/error.hpp"
#include "oasis/serve/planner.hpp"

namespace oasis::serve {

/// Throws Error(code) naming the request, for what the client sent.
[[noreturn]] void refuse(Errc code, const std::string& message, const std::string& fix);
/// A TOML node as text ("" for none): the keys of the memos.
std::string dump(const toml::node* n);
/// The table at a dotted path, made when missing.
toml::table& table_at(toml::table& doc, const std::string& dotted_parent);
/// The change, checked, written into the scenario document; returns its label for the list.
std::string apply_change(toml::table& doc, const json& change);
/// The keys the page's panels show, with their value in `doc` and their declaration.
json settings_of(const toml::table& doc);

}  // namespace oasis::serve
