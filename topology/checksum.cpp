#include "kafka_actors/topology/checksum.hpp"

#include <openssl/evp.h>

#include "kafka_actors/runtime/errors.hpp"

namespace kafka_actors {

caf::expected<std::string> sha256_hex(std::string_view bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr) != 1)
    return make_error(errc::invalid_argument, "OpenSSL cannot compute SHA-256");
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0x0F];
  }
  return out;
}

} // namespace kafka_actors
