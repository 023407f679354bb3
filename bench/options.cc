#include "options.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <string_view>

namespace bench {
namespace {

template <class T>
std::vector<T> number_list(const std::string& text, const char* flag) {
  std::vector<T> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(pos, comma - pos);
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v == 0)
      throw std::invalid_argument(std::string(flag) + ": bad number '" + item + "'");
    out.push_back(static_cast<T>(v));
    pos = comma + 1;
  }
  return out;
}

double positive(const std::string& text, const char* flag) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0))
    throw std::invalid_argument(std::string(flag) + ": expected a positive number");
  return v;
}

void validate(Options& o) {
  if (o.module.empty() && !o.openssl && !o.list)
    throw std::invalid_argument("give --module PATH and/or --openssl");
  if (!o.module.empty() && o.pin.empty()) throw std::invalid_argument("--module needs --pin");
  if (o.init_token && o.so_pin.empty()) throw std::invalid_argument("--init-token needs --so-pin");
  try {
    std::regex check(o.filter);
  } catch (const std::regex_error&) {
    throw std::invalid_argument("--filter: not a valid regular expression");
  }
  // Populating is incremental, so the find sizes must grow.
  std::sort(o.find_sizes.begin(), o.find_sizes.end());
  o.find_sizes.erase(std::unique(o.find_sizes.begin(), o.find_sizes.end()), o.find_sizes.end());
}

}  // namespace

const char* usage_text() {
  return "usage: craton-p11-bench [--module PATH --pin PIN] [--openssl]\n"
         "         [--so-pin PIN] [--slot N] [--init-token] [--threads 1,2]\n"
         "         [--seconds 1.0] [--filter REGEX] [--name LABEL] [--csv FILE]\n"
         "         [--find-sizes 1000,10000,100000] [--big] [--keep-find-objects]\n"
         "         [--list]\n"
         "  --module PATH   PKCS#11 module to load (dlopen + C_GetFunctionList)\n"
         "  --openssl       also run the in-process OpenSSL EVP baseline\n"
         "  --init-token    C_InitToken the slot (label \"bench\") and set the user PIN\n"
         "  --big           populate find sizes above 10000 however long it takes\n"
         "  --keep-find-objects  leave the find pool on the token (throwaway tokens)\n"
         "  --list          print the case names and exit\n";
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--module") o.module = value();
    else if (arg == "--openssl") o.openssl = true;
    else if (arg == "--pin") o.pin = value();
    else if (arg == "--so-pin") o.so_pin = value();
    else if (arg == "--slot") o.slot = std::stoul(value());
    else if (arg == "--init-token") o.init_token = true;
    else if (arg == "--threads") o.threads = number_list<unsigned>(value(), "--threads");
    else if (arg == "--seconds") o.seconds = positive(value(), "--seconds");
    else if (arg == "--filter") o.filter = value();
    else if (arg == "--name") o.name = value();
    else if (arg == "--csv") o.csv = value();
    else if (arg == "--big") o.big = true;
    else if (arg == "--find-sizes") o.find_sizes = number_list<std::size_t>(value(), "--find-sizes");
    else if (arg == "--keep-find-objects") o.keep_find_objects = true;
    else if (arg == "--list") o.list = true;
    else if (arg == "--help" || arg == "-h") {
      std::fputs(usage_text(), stdout);
      std::exit(0);
    } else {
      throw std::invalid_argument("unknown option " + std::string(arg));
    }
  }
  validate(o);
  return o;
}

}  // namespace bench
