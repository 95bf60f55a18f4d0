// json.hpp: how the app writes JSON (summary.json, fold<k>/result.json, eval / predict / probe
// --json): nlohmann-json's ordered_json, so the keys come out in the order written, printed with an
// indent of 2 and a final newline. Bytes that are not UTF-8 (a file or folder name in another
// encoding) become U+FFFD instead of failing the whole output.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ag::app {

using Json = nlohmann::ordered_json;

inline std::string json_text(const Json& j) { return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"; }

}  // namespace ag::app
