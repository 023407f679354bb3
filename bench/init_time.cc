// craton-init-bench: how long C_Initialize and C_Finalize take, per module,
// in one run. For Craton HSM C_Initialize includes the power-on self-tests
// (module integrity HMAC, the known-answer tests), opening the store and the
// audit log; the target is under 25 ms.
//
//   craton-init-bench [--rounds N] MODULE...
//
// Each module runs in a private temp directory: a craton_hsm.toml (store and
// audit log in that directory) and a softhsm2.conf are written there unless
// CRATON_HSM_CONFIG / SOFTHSM2_CONF are already set. The first round (cold
// page cache, first store creation) is reported apart from the rest.
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "craton/pkcs11.h"

namespace {

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void prepare_environment(const std::filesystem::path& dir) {
  if (getenv("CRATON_HSM_CONFIG") == nullptr) {
    std::ofstream(dir / "craton_hsm.toml") << "[token]\nstorage_path = \"store\"\n";
    setenv("CRATON_HSM_CONFIG", (dir / "craton_hsm.toml").c_str(), 1);
  }
  if (getenv("SOFTHSM2_CONF") == nullptr) {
    std::filesystem::create_directories(dir / "tokens");
    std::ofstream(dir / "softhsm2.conf") << "directories.tokendir = " << (dir / "tokens").string()
                                         << "\nobjectstore.backend = file\nlog.level = ERROR\n";
    setenv("SOFTHSM2_CONF", (dir / "softhsm2.conf").c_str(), 1);
  }
}

int measure(const char* path, int rounds) {
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    std::printf("| %s | missing (%s) | | | | |\n", path, dlerror());
    return 1;
  }
  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(dlsym(handle, "C_GetFunctionList"));
  CK_FUNCTION_LIST* p11 = nullptr;
  if (get_list == nullptr || get_list(&p11) != CKR_OK) {
    std::printf("| %s | no C_GetFunctionList | | | | |\n", path);
    return 1;
  }
  double first = 0;
  std::vector<double> init_ms, final_ms;
  for (int i = 0; i < rounds + 1; ++i) {
    auto start = std::chrono::steady_clock::now();
    const CK_RV rv = p11->C_Initialize(nullptr);
    const double t = ms_since(start);
    if (rv != CKR_OK) {
      std::printf("| %s | C_Initialize failed: 0x%lx | | | | |\n", path, static_cast<unsigned long>(rv));
      return 1;
    }
    start = std::chrono::steady_clock::now();
    p11->C_Finalize(nullptr);
    const double f = ms_since(start);
    if (i == 0) {
      first = t;
    } else {
      init_ms.push_back(t);
      final_ms.push_back(f);
    }
  }
  std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", path, first, percentile(init_ms, 0.5),
              percentile(init_ms, 0.95), *std::max_element(init_ms.begin(), init_ms.end()),
              percentile(final_ms, 0.5));
  // Not dlclose()d: some modules (and their libcrypto) do not survive it.
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 50;
  std::vector<const char*> modules;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "-h" || arg == "--help") {
      std::printf("usage: craton-init-bench [--rounds N] MODULE...\n");
      return 0;
    } else {
      modules.push_back(argv[i]);
    }
  }
  if (modules.empty()) {
    std::fprintf(stderr, "usage: craton-init-bench [--rounds N] MODULE...\n");
    return 2;
  }
  char tmpl[] = "/tmp/craton-init-bench.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return 2;
  const std::filesystem::path dir = tmpl;
  prepare_environment(dir);
  std::printf("C_Initialize / C_Finalize, %d rounds after a first (cold) one; milliseconds\n\n", rounds);
  std::printf("| module | first C_Initialize | C_Initialize median | p95 | max | C_Finalize median |\n");
  std::printf("|---|---|---|---|---|---|\n");
  int failures = 0;
  for (const char* module : modules) failures += measure(module, rounds);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return failures == 0 ? 0 : 1;
}
