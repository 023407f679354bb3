#include "concurrency_workload.h"

#include <algorithm>
#include <atomic>
#include <latch>
#include <thread>
#include <cstdio>
#include <cstring>

namespace stress {
namespace {

CK_RV generate_token_pair(CK_SESSION_HANDLE session, CK_MECHANISM_TYPE mech_type, Template& pub, Template& priv,
                          const std::string& label, CK_OBJECT_HANDLE* public_key, CK_OBJECT_HANDLE* private_key) {
  pub.add_bool(CKA_TOKEN, true).add_bool(CKA_VERIFY, true).add_string(CKA_LABEL, label);
  pub.add_string(CKA_ID, label);
  priv.add_bool(CKA_TOKEN, true).add_bool(CKA_PRIVATE, true).add_bool(CKA_SENSITIVE, true);
  priv.add_bool(CKA_SIGN, true).add_string(CKA_LABEL, label).add_string(CKA_ID, label);
  CK_MECHANISM mech{mech_type, nullptr, 0};
  return p11()->C_GenerateKeyPair(session, &mech, pub.data(), pub.count(), priv.data(), priv.count(), public_key,
                                  private_key);
}

// SHA-256("abc"), FIPS 180-4 example.
const Bytes kSha256Abc = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                          0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

std::string message_for(int thread, int iteration) {
  return "message from thread " + std::to_string(thread) + " iteration " + std::to_string(iteration);
}

}  // namespace

CK_RV create_shared_keys(CK_SESSION_HANDLE session, SharedKeys* keys) {
  Template rsa_pub;
  rsa_pub.add_ulong(CKA_MODULUS_BITS, 2048).add_bytes(CKA_PUBLIC_EXPONENT, {0x01, 0x00, 0x01});
  Template rsa_priv;
  CK_RV rv = generate_token_pair(session, CKM_RSA_PKCS_KEY_PAIR_GEN, rsa_pub, rsa_priv, kRsaId, &keys->rsa_public,
                                 &keys->rsa_private);
  if (rv != CKR_OK) return rv;
  Template ec_pub;
  ec_pub.add_bytes(CKA_EC_PARAMS, abi_test::p256_params());
  Template ec_priv;
  rv = generate_token_pair(session, CKM_EC_KEY_PAIR_GEN, ec_pub, ec_priv, "stress-ec", &keys->ec_public,
                           &keys->ec_private);
  if (rv != CKR_OK) return rv;
  if ((rv = generate_aes_token_key(session, kAesLabel, &keys->aes)) != CKR_OK) return rv;
  rv = create_data_object(session, shared_label(99, 9999), true, false, &keys->label_object, "shared-label");
  if (rv != CKR_OK) return rv;
  if ((rv = read_attribute(session, keys->rsa_public, CKA_MODULUS, &keys->rsa_modulus)) != CKR_OK) return rv;
  return read_attribute(session, keys->ec_public, CKA_EC_POINT, &keys->ec_point);
}

std::string shared_label(int thread, int iteration) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shared-%02d-%04d", thread % 100, iteration % 10000);
  return buf;
}

bool is_shared_label(const std::string& label) {
  if (label.size() != 14 || label.compare(0, 7, "shared-") != 0 || label[9] != '-') return false;
  for (std::size_t i : {7u, 8u, 10u, 11u, 12u, 13u}) {
    if (label[i] < '0' || label[i] > '9') return false;
  }
  return true;
}

void Ops::sign_verify(CK_MECHANISM_TYPE mech_type, CK_OBJECT_HANDLE key, CK_OBJECT_HANDLE public_key,
                      const std::string& data, bool also_negative) {
  CK_MECHANISM mech{mech_type, nullptr, 0};
  Bytes in(data.begin(), data.end());
  Bytes signature(512);
  CK_ULONG len = static_cast<CK_ULONG>(signature.size());
  if (log_.ok(p11()->C_SignInit(session_, &mech, key), "C_SignInit") != CKR_OK) return;
  if (log_.ok(p11()->C_Sign(session_, in.data(), in.size(), signature.data(), &len), "C_Sign") != CKR_OK) return;
  signature.resize(len);
  log_.ok(p11()->C_VerifyInit(session_, &mech, public_key), "C_VerifyInit");
  log_.ok(p11()->C_Verify(session_, in.data(), in.size(), signature.data(), len), "C_Verify");
  if (!also_negative || signature.empty()) return;
  signature[signature.size() / 2] ^= 0x01;
  log_.ok(p11()->C_VerifyInit(session_, &mech, public_key), "C_VerifyInit");
  log_.check(p11()->C_Verify(session_, in.data(), in.size(), signature.data(), len), {CKR_SIGNATURE_INVALID},
             "C_Verify(flipped signature)");
}

void Ops::ec_sign_verify(int thread, int iteration) {
  sign_verify(CKM_ECDSA_SHA256, keys_.ec_private, keys_.ec_public, message_for(thread, iteration),
              iteration % 10 == 0);
}

void Ops::rsa_sign_verify(int thread, int iteration) {
  sign_verify(CKM_SHA256_RSA_PKCS, keys_.rsa_private, keys_.rsa_public, message_for(thread, iteration),
              iteration % 10 == 0);
}

void Ops::aes_gcm_round_trip(int thread, int iteration) {
  // A distinct IV per (thread, iteration): never reuse a GCM nonce under one key.
  CK_BYTE iv[12] = {0xc7, 0x47, 0x00, 0x00};
  std::memcpy(iv + 4, &thread, sizeof thread);
  std::memcpy(iv + 8, &iteration, sizeof iteration);
  CK_BYTE aad[] = "stress aad";
  CK_GCM_PARAMS params{iv, sizeof iv, sizeof iv * 8, aad, sizeof aad - 1, 128};
  CK_MECHANISM mech{CKM_AES_GCM, &params, sizeof params};
  const std::string text = message_for(thread, iteration);
  Bytes plain(text.begin(), text.end());
  Bytes sealed(plain.size() + 16);
  CK_ULONG sealed_len = static_cast<CK_ULONG>(sealed.size());
  if (log_.ok(p11()->C_EncryptInit(session_, &mech, keys_.aes), "C_EncryptInit(GCM)") != CKR_OK) return;
  if (log_.ok(p11()->C_Encrypt(session_, plain.data(), plain.size(), sealed.data(), &sealed_len), "C_Encrypt(GCM)") !=
      CKR_OK) {
    return;
  }
  Bytes opened(sealed_len);
  CK_ULONG opened_len = static_cast<CK_ULONG>(opened.size());
  if (log_.ok(p11()->C_DecryptInit(session_, &mech, keys_.aes), "C_DecryptInit(GCM)") != CKR_OK) return;
  if (log_.ok(p11()->C_Decrypt(session_, sealed.data(), sealed_len, opened.data(), &opened_len), "C_Decrypt(GCM)") !=
      CKR_OK) {
    return;
  }
  opened.resize(opened_len);
  if (opened != plain) log_.fail("AES-GCM round trip changed the plaintext");
}

void Ops::digest_known_answer() {
  CK_MECHANISM mech{CKM_SHA256, nullptr, 0};
  CK_BYTE abc[] = {'a', 'b', 'c'};
  Bytes out(32);
  CK_ULONG len = static_cast<CK_ULONG>(out.size());
  if (log_.ok(p11()->C_DigestInit(session_, &mech), "C_DigestInit") != CKR_OK) return;
  if (log_.ok(p11()->C_Digest(session_, abc, sizeof abc, out.data(), &len), "C_Digest") != CKR_OK) return;
  if (len != 32 || out != kSha256Abc) log_.fail("C_Digest(SHA-256, \"abc\") gave a wrong digest");
}

void Ops::find_shared_rsa_pair() {
  Template t;
  t.add_string(CKA_ID, kRsaId);
  std::vector<CK_OBJECT_HANDLE> found;
  if (log_.ok(find_all(session_, t, &found), "C_FindObjects(CKA_ID)") != CKR_OK) return;
  std::sort(found.begin(), found.end());
  std::vector<CK_OBJECT_HANDLE> expected{keys_.rsa_public, keys_.rsa_private};
  std::sort(expected.begin(), expected.end());
  if (found != expected) log_.fail("C_FindObjects(CKA_ID=stress-rsa) found " + std::to_string(found.size()) +
                                   " objects, not the RSA pair");
}

void Ops::read_shared_attributes() {
  Bytes value;
  if (log_.ok(read_attribute(session_, keys_.rsa_public, CKA_MODULUS, &value), "C_GetAttributeValue(CKA_MODULUS)") ==
          CKR_OK &&
      value != keys_.rsa_modulus) {
    log_.fail("CKA_MODULUS changed");
  }
  if (log_.ok(read_attribute(session_, keys_.ec_public, CKA_EC_POINT, &value), "C_GetAttributeValue(CKA_EC_POINT)") ==
          CKR_OK &&
      value != keys_.ec_point) {
    log_.fail("CKA_EC_POINT changed");
  }
  if (log_.ok(read_attribute(session_, keys_.label_object, CKA_LABEL, &value), "C_GetAttributeValue(CKA_LABEL)") ==
          CKR_OK &&
      !is_shared_label(as_string(value))) {
    log_.fail("torn or foreign CKA_LABEL on the shared object: '" + as_string(value) + "'");
  }
  // A sensitive key's value must stay unreadable whatever else happens.
  CK_BYTE secret[64];
  CK_ATTRIBUTE attr{CKA_VALUE, secret, sizeof secret};
  log_.check(p11()->C_GetAttributeValue(session_, keys_.aes, &attr, 1), {CKR_ATTRIBUTE_SENSITIVE},
             "C_GetAttributeValue(AES CKA_VALUE)");
}

void Ops::write_shared_label(int thread, int iteration) {
  const std::string label = shared_label(thread, iteration);
  Template t;
  t.add_string(CKA_LABEL, label);
  log_.ok(p11()->C_SetAttributeValue(session_, keys_.label_object, t.data(), t.count()), "C_SetAttributeValue(label)");
}

void Ops::session_object_cycle(int thread, int iteration) {
  const std::string label = "session-" + std::to_string(thread) + "-" + std::to_string(iteration);
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  if (log_.ok(create_data_object(session_, label, false, iteration % 2 == 1, &object), "C_CreateObject(session)") !=
      CKR_OK) {
    return;
  }
  Bytes value;
  if (log_.ok(read_attribute(session_, object, CKA_LABEL, &value), "C_GetAttributeValue(session object)") == CKR_OK &&
      as_string(value) != label) {
    log_.fail("session object label '" + as_string(value) + "' != '" + label + "'");
  }
  log_.ok(p11()->C_DestroyObject(session_, object), "C_DestroyObject(session object)");
}

void Ops::token_object_cycle(int thread, int iteration) {
  const std::string label = "token-" + std::to_string(thread) + "-" + std::to_string(iteration);
  CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
  CK_RV rv = CKR_OK;
  switch (iteration % 3) {
    case 0: rv = create_data_object(session_, label, true, false, &object); break;
    case 1: rv = create_data_object(session_, label, true, true, &object); break;
    default: rv = generate_aes_token_key(session_, label, &object); break;
  }
  if (log_.ok(rv, "create token object") != CKR_OK) return;
  std::vector<CK_OBJECT_HANDLE> found;
  if (log_.ok(find_by_label(session_, label, &found), "C_FindObjects(label)") == CKR_OK &&
      found != std::vector<CK_OBJECT_HANDLE>{object}) {
    log_.fail("new token object '" + label + "' found " + std::to_string(found.size()) + " times");
  }
  log_.ok(p11()->C_DestroyObject(session_, object), "C_DestroyObject(token object)");
  if (log_.ok(find_by_label(session_, label, &found), "C_FindObjects(label)") == CKR_OK && !found.empty()) {
    log_.fail("destroyed token object '" + label + "' is still found");
  }
}

void Ops::random_bytes() {
  Bytes out(32);
  if (log_.ok(p11()->C_GenerateRandom(session_, out.data(), out.size()), "C_GenerateRandom") != CKR_OK) return;
  if (out == Bytes(32, 0) || out == last_random_) log_.fail("C_GenerateRandom repeated itself or gave zeros");
  last_random_ = out;
}

void Ops::extra_session_cycle(CK_SLOT_ID slot, CK_STATE expected_state) {
  CK_SESSION_HANDLE extra = CK_INVALID_HANDLE;
  if (log_.ok(p11()->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &extra), "C_OpenSession") != CKR_OK) {
    return;
  }
  CK_SESSION_INFO info{};
  if (log_.ok(p11()->C_GetSessionInfo(extra, &info), "C_GetSessionInfo") == CKR_OK &&
      (info.state != expected_state || info.slotID != slot)) {
    log_.fail("extra session: state " + std::to_string(info.state) + ", expected " + std::to_string(expected_state));
  }
  log_.ok(p11()->C_CloseSession(extra), "C_CloseSession");
}

void run_mixed_workload(RvLog& log, const SharedKeys& keys, int workers, int iterations) {
  std::latch start(workers + 1);
  std::atomic<int> running{workers};
  std::vector<std::thread> threads;
  for (int t = 0; t < workers; ++t) {
    threads.emplace_back([&, t] {
      CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
      log.ok(open_rw_session(0, &session), "C_OpenSession");
      Ops ops(log, keys, session);
      start.arrive_and_wait();
      for (int i = 0; i < iterations; ++i) {
        ops.ec_sign_verify(t, i);
        if (i % 8 == t % 8) ops.rsa_sign_verify(t, i);
        ops.aes_gcm_round_trip(t, i);
        ops.digest_known_answer();
        ops.find_shared_rsa_pair();
        ops.read_shared_attributes();
        if (i % 8 == 0) ops.write_shared_label(t, i);
        ops.session_object_cycle(t, i);
        if (i % 25 == t % 25) ops.token_object_cycle(t, i);
        ops.random_bytes();
        if (i % 20 == 0) ops.extra_session_cycle(0, CKS_RO_USER_FUNCTIONS);
      }
      log.ok(stress::p11()->C_CloseSession(session), "C_CloseSession");
      --running;
    });
  }
  threads.emplace_back([&] {
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    log.ok(open_rw_session(1, &session), "C_OpenSession(slot 1)");
    start.arrive_and_wait();
    for (int cycle = 0; cycle < 40 && (running.load() > 0 || cycle < 2); ++cycle) {
      log.ok(login_user(session), "C_Login(slot 1)");
      CK_SESSION_INFO info{};
      if (log.ok(stress::p11()->C_GetSessionInfo(session, &info), "C_GetSessionInfo(slot 1)") == CKR_OK &&
          info.state != CKS_RW_USER_FUNCTIONS) {
        log.fail("slot 1 session not in CKS_RW_USER_FUNCTIONS after C_Login");
      }
      CK_OBJECT_HANDLE object = CK_INVALID_HANDLE;
      if (log.ok(create_data_object(session, "slot1-" + std::to_string(cycle), true, true, &object),
                 "C_CreateObject(slot 1 private token object)") == CKR_OK) {
        log.ok(stress::p11()->C_DestroyObject(session, object), "C_DestroyObject(slot 1)");
      }
      log.ok(stress::p11()->C_Logout(session), "C_Logout(slot 1)");
      if (log.ok(stress::p11()->C_GetSessionInfo(session, &info), "C_GetSessionInfo(slot 1)") == CKR_OK &&
          info.state != CKS_RW_PUBLIC_SESSION) {
        log.fail("slot 1 session not in CKS_RW_PUBLIC_SESSION after C_Logout");
      }
    }
    log.ok(stress::p11()->C_CloseSession(session), "C_CloseSession(slot 1)");
  });
  for (auto& thread : threads) thread.join();
}

}  // namespace stress
