#pragma once

// Text from files, directory listings and the wire ends up in error messages read on a
// terminal: a control byte could rewrite the line and a lone byte of a UTF-8 character
// prints as garbage, so such text passes through here first.

#include <cstddef>
#include <string>
#include <string_view>

namespace kafka_actors {

/// Length (1..4) of the well-formed UTF-8 character starting at `text[pos]`; 0 when the
/// bytes there start none (a continuation byte, an overlong or truncated sequence, a
/// surrogate) or `pos` is past the end.
size_t utf8_length_at(std::string_view text, size_t pos);

/// `text` with whole UTF-8 characters kept as they are and everything else escaped: \n,
/// \r, \t, \\, other C0/C1 controls and DEL as \xNN or \u00NN, bytes of broken sequences
/// as \xNN.
std::string printable(std::string_view text);

/// printable() of at most the first `max_chars` characters, "..." appended when cut. Never
/// cuts inside a character.
std::string printable_prefix(std::string_view text, size_t max_chars);

} // namespace kafka_actors
