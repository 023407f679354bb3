// The list of known-answer tests and their runner. The vectors and the code
// that recomputes them live in one file per family (self_test_symmetric.cc,
// self_test_asymmetric.cc); this file puts them in one order, applies the
// fault switch and turns a failure into the module's error Status.
#include "crypto/self_test.h"

#include <openssl/err.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/test_faults.h"
#include "crypto/drbg.h"
#include "crypto/provider.h"
#include "crypto/self_test_internal.h"

namespace craton::crypto {
namespace {

// Every KAT, symmetric families first (they are the cheapest). Built once;
// immutable afterwards, so concurrent readers need no lock.
struct Catalogue {
  std::vector<kat::KnownAnswerTest> tests;
  std::vector<std::string_view> names;

  Catalogue() {
    const auto symmetric = kat::symmetric_tests();
    const auto asymmetric = kat::asymmetric_tests();
    tests.insert(tests.end(), symmetric.begin(), symmetric.end());
    // The DRBG before the asymmetric tests, whose RSA blinding draws from it.
    tests.push_back({"DRBG", drbg});
    tests.insert(tests.end(), asymmetric.begin(), asymmetric.end());
    const auto post_quantum = kat::post_quantum_tests();
    tests.insert(tests.end(), post_quantum.begin(), post_quantum.end());
    for (const kat::KnownAnswerTest& t : tests) names.push_back(t.name);
  }

  // HMAC-DRBG (SHA-256) against NIST CAVP vectors, drbg_kat.cc. It applies
  // the "kat:DRBG" fault itself (corrupting its output before comparing).
  static bool drbg(const Provider& provider, bool) { return drbg_known_answer_test(provider.libctx()).ok(); }
};

const Catalogue& catalogue() {
  static const Catalogue instance;
  return instance;
}

Status run_one(const Provider& provider, const kat::KnownAnswerTest& test) {
  // Debug builds only: the fault switch makes the KAT corrupt its own input.
  const bool corrupt = kTestFaultsCompiledIn && test_fault("kat:" + std::string(test.name));
  if (test.run(provider, corrupt)) return Status::Ok();
  // Whatever OpenSSL queued while failing must not be blamed on a later call.
  ERR_clear_error();
  return Status(CKR_GENERAL_ERROR, "self-test " + std::string(test.name) + " failed");
}

}  // namespace

namespace kat {

bool matches(ByteView got, ByteView expected) {
  return got.size() == expected.size() && std::equal(got.begin(), got.end(), expected.begin());
}

}  // namespace kat

std::span<const std::string_view> known_answer_test_names() { return catalogue().names; }

Status run_known_answer_tests(const Provider& provider) {
  for (const kat::KnownAnswerTest& test : catalogue().tests) {
    RETURN_IF_ERROR(run_one(provider, test));
  }
  return Status::Ok();
}

Status run_known_answer_test(const Provider& provider, std::string_view name) {
  for (const kat::KnownAnswerTest& test : catalogue().tests) {
    if (test.name == name) return run_one(provider, test);
  }
  return Status(CKR_ARGUMENTS_BAD, "no self-test named " + std::string(name));
}

}  // namespace craton::crypto
