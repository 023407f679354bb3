// craton_module_hmac LIBRARY [OUTPUT]
//
// Writes the module-integrity MAC of LIBRARY to OUTPUT (default
// LIBRARY.hmac), exactly as the module recomputes it at C_Initialize
// (crypto::write_file_hmac / verify_file_hmac share one implementation).
#include <cstdio>
#include <string>

#include "crypto/integrity.h"

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: %s LIBRARY [OUTPUT]\n", argc > 0 ? argv[0] : "craton_module_hmac");
    return 2;
  }
  const std::string library = argv[1];
  const std::string output = argc == 3 ? argv[2] : std::string();
  const craton::Status st = craton::crypto::write_file_hmac(library, output);
  if (!st.ok()) {
    std::fprintf(stderr, "craton_module_hmac: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
