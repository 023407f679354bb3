#include "p11_cases.h"

#include "p11_module.h"

namespace bench::p11 {
namespace {

// Codes by which a module says "I do not do this", as opposed to "I failed".
bool means_unsupported(CK_RV rv) {
  return rv == CKR_MECHANISM_INVALID || rv == CKR_MECHANISM_PARAM_INVALID ||
         rv == CKR_CURVE_NOT_SUPPORTED || rv == CKR_FUNCTION_NOT_SUPPORTED;
}

[[noreturn]] void setup_failed(CK_RV rv, const std::string& what) {
  if (means_unsupported(rv)) throw unsupported(what);
  throw CaseError(Outcome::failed, rv, what);
}

OpFactory prepare_and_probe(const std::function<OpFactory()>& prepare) {
  OpFactory factory;
  try {
    factory = prepare();
    Op probe = factory(0);
    if (Status st = probe(); st != CKR_OK) setup_failed(st, "first operation: " + rv_text(st));
  } catch (const Error& e) {
    setup_failed(e.rv(), e.what());
  }
  return factory;
}

}  // namespace

void require(const Context& ctx, std::initializer_list<MechName> mechs) {
  for (const MechName& m : mechs)
    if (!ctx.module->has_mechanism(ctx.slot, m.type))
      throw unsupported(std::string("C_GetMechanismInfo(") + m.name + ") failed");
}

Bytes sign_once(const Context& ctx, Mech mech, CK_OBJECT_HANDLE key, const Bytes& msg,
                std::size_t sig_capacity) {
  CK_MECHANISM m = mech.get();
  check(ctx.fn()->C_SignInit(ctx.session, &m, key), "C_SignInit");
  Bytes sig(sig_capacity);
  CK_ULONG len = sig.size();
  check(ctx.fn()->C_Sign(ctx.session, const_cast<unsigned char*>(msg.data()), msg.size(),
                         sig.data(), &len),
        "C_Sign");
  sig.resize(len);
  return sig;
}

Case make_case(std::string name, std::size_t bytes_per_op, std::function<OpFactory()> prepare) {
  Case c;
  c.name = std::move(name);
  c.bytes_per_op = bytes_per_op;
  c.prepare = [prepare = std::move(prepare)] { return prepare_and_probe(prepare); };
  return c;
}

}  // namespace bench::p11
