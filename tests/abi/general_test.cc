// General-purpose functions: C_Initialize, C_Finalize, C_GetInfo,
// C_GetFunctionList, C_GetInterfaceList, C_GetInterface, fork detection.
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "module_fixture.h"

namespace abi_test {
namespace {

std::string text(const CK_UTF8CHAR* field, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(field), size);
}

std::string padded(std::string s, std::size_t size) {
  s.resize(size, ' ');
  return s;
}

// Number of function pointers after the version field.
template <class List>
std::size_t function_count() {
  return (sizeof(List) - offsetof(List, C_Initialize)) / sizeof(void*);
}

template <class List>
bool all_functions_set(const List* list) {
  const auto* first = reinterpret_cast<const char*>(list) + offsetof(List, C_Initialize);
  for (std::size_t i = 0; i < function_count<List>(); ++i) {
    void* fn = nullptr;
    std::memcpy(&fn, first + i * sizeof(void*), sizeof fn);
    if (fn == nullptr) return false;
  }
  return true;
}

template <class List>
bool list_contains(const List* list, void* fn) {
  const auto* first = reinterpret_cast<const char*>(list) + offsetof(List, C_Initialize);
  for (std::size_t i = 0; i < function_count<List>(); ++i) {
    void* entry = nullptr;
    std::memcpy(&entry, first + i * sizeof(void*), sizeof entry);
    if (entry == fn) return true;
  }
  return false;
}

// Names of the symbols the module defines in its dynamic symbol table.
std::vector<std::string> exported_names() {
  const std::string command = std::string("nm -D --defined-only '") + CRATON_MODULE_PATH + "' 2>/dev/null";
  std::vector<std::string> names;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return names;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (fields >> address >> type >> name) names.push_back(name.substr(0, name.find('@')));
  }
  ::pclose(pipe);
  return names;
}

CK_VERSION info_version(CK_C_GetInfo get_info) {
  CK_INFO info{};
  EXPECT_CKR(CKR_OK, get_info(&info));
  return info.cryptokiVersion;
}

using GeneralTest = AbiTest;

TEST_F(GeneralTest, InfoReportsTheVersionOfTheListUsed) {
  const Module& m = Module::get();
  CK_VERSION v = info_version(m.v2_40->C_GetInfo);
  EXPECT_EQ(2, v.major);
  EXPECT_EQ(40, v.minor);
  v = info_version(m.v3_0->C_GetInfo);
  EXPECT_EQ(3, v.major);
  EXPECT_EQ(0, v.minor);
  v = info_version(m.v3_2->C_GetInfo);
  EXPECT_EQ(3, v.major);
  EXPECT_EQ(2, v.minor);
  // The exported symbol belongs to the list C_GetFunctionList returns.
  auto exported = reinterpret_cast<CK_C_GetInfo>(::dlsym(m.handle, "C_GetInfo"));
  ASSERT_NE(nullptr, exported);
  v = info_version(exported);
  EXPECT_EQ(2, v.major);
  EXPECT_EQ(40, v.minor);
}

TEST_F(GeneralTest, InfoFields) {
  CK_INFO info;
  std::memset(&info, 0xA5, sizeof info);
  ASSERT_CKR(CKR_OK, p11->C_GetInfo(&info));
  EXPECT_EQ(padded("Craton HSM", 32), text(info.manufacturerID, 32));
  EXPECT_EQ(0u, info.flags);
  const std::string description = text(info.libraryDescription, 32);
  EXPECT_EQ(std::string::npos, description.find('\0'));
  EXPECT_EQ(0u, description.find("Craton HSM"));
  CK_INFO other{};
  ASSERT_CKR(CKR_OK, Module::get().v2_40->C_GetInfo(&other));
  EXPECT_EQ(info.libraryVersion.major, other.libraryVersion.major);
  EXPECT_EQ(info.libraryVersion.minor, other.libraryVersion.minor);
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_GetInfo(nullptr));
}

TEST_F(GeneralTest, FunctionListsAreCompleteAndShared) {
  const Module& m = Module::get();
  EXPECT_EQ(68u, function_count<CK_FUNCTION_LIST>());
  EXPECT_EQ(92u, function_count<CK_FUNCTION_LIST_3_0>());
  EXPECT_EQ(104u, function_count<CK_FUNCTION_LIST_3_2>());
  EXPECT_TRUE(all_functions_set(m.v2_40));
  EXPECT_TRUE(all_functions_set(m.v3_0));
  EXPECT_TRUE(all_functions_set(m.v3_2));
  EXPECT_EQ(2, m.v2_40->version.major);
  EXPECT_EQ(40, m.v2_40->version.minor);
  EXPECT_EQ(3, m.v3_0->version.major);
  EXPECT_EQ(0, m.v3_0->version.minor);
  EXPECT_EQ(3, m.v3_2->version.major);
  EXPECT_EQ(2, m.v3_2->version.minor);
  EXPECT_EQ(m.v2_40->C_Sign, m.v3_2->C_Sign);
  EXPECT_EQ(m.v3_0->C_MessageEncryptInit, m.v3_2->C_MessageEncryptInit);
  EXPECT_EQ(reinterpret_cast<void*>(m.v2_40->C_Initialize), ::dlsym(m.handle, "C_Initialize"));
  EXPECT_NE(m.v2_40->C_GetInfo, m.v3_2->C_GetInfo);

  auto get_list = reinterpret_cast<CK_C_GetFunctionList>(::dlsym(m.handle, "C_GetFunctionList"));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, get_list(nullptr));
  CK_FUNCTION_LIST* again = nullptr;
  EXPECT_CKR(CKR_OK, get_list(&again));
  EXPECT_EQ(m.v2_40, again);
}

TEST_F(GeneralTest, InterfaceListNewestFirst) {
  const Module& m = Module::get();
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, m.get_interface_list(nullptr, nullptr));
  ASSERT_CKR(CKR_OK, m.get_interface_list(nullptr, &count));
  ASSERT_EQ(3u, count);
  CK_INTERFACE list[3] = {};
  count = 2;
  EXPECT_CKR(CKR_BUFFER_TOO_SMALL, m.get_interface_list(list, &count));
  EXPECT_EQ(3u, count);
  ASSERT_CKR(CKR_OK, m.get_interface_list(list, &count));
  ASSERT_EQ(3u, count);
  const void* expected_lists[] = {m.v3_2, m.v3_0, m.v2_40};
  for (int i = 0; i < 3; ++i) {
    EXPECT_STREQ("PKCS 11", reinterpret_cast<const char*>(list[i].pInterfaceName));
    EXPECT_EQ(expected_lists[i], list[i].pFunctionList);
    EXPECT_EQ(0u, list[i].flags & CKF_INTERFACE_FORK_SAFE);
  }
  // Usable before C_Initialize too.
  finalize_module();
  EXPECT_CKR(CKR_OK, m.get_interface_list(nullptr, &count));
  ASSERT_CKR(CKR_OK, initialize_module(nullptr));
}

TEST_F(GeneralTest, GetInterfaceSelection) {
  const Module& m = Module::get();
  CK_INTERFACE* interface = nullptr;
  ASSERT_CKR(CKR_OK, m.get_interface(nullptr, nullptr, &interface, 0));
  EXPECT_EQ(static_cast<void*>(m.v3_2), interface->pFunctionList);
  CK_UTF8CHAR name[] = "PKCS 11";
  CK_VERSION v240{2, 40};
  ASSERT_CKR(CKR_OK, m.get_interface(name, &v240, &interface, 0));
  EXPECT_EQ(static_cast<void*>(m.v2_40), interface->pFunctionList);
  ASSERT_CKR(CKR_OK, m.get_interface(name, nullptr, &interface, 0));
  EXPECT_EQ(static_cast<void*>(m.v3_2), interface->pFunctionList);
  CK_VERSION v30{3, 0};
  ASSERT_CKR(CKR_OK, m.get_interface(nullptr, &v30, &interface, 0));
  EXPECT_EQ(static_cast<void*>(m.v3_0), interface->pFunctionList);

  CK_VERSION v220{2, 20};
  EXPECT_CKR(CKR_ARGUMENTS_BAD, m.get_interface(name, &v220, &interface, 0));
  CK_UTF8CHAR other[] = "Vendor X";
  EXPECT_CKR(CKR_ARGUMENTS_BAD, m.get_interface(other, nullptr, &interface, 0));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, m.get_interface(nullptr, nullptr, &interface, CKF_INTERFACE_FORK_SAFE));
  EXPECT_CKR(CKR_ARGUMENTS_BAD, m.get_interface(nullptr, nullptr, nullptr, 0));
}

TEST_F(GeneralTest, InitializeAndFinalizeStates) {
  EXPECT_CKR(CKR_CRYPTOKI_ALREADY_INITIALIZED, p11->C_Initialize(nullptr));
  int reserved = 0;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Finalize(&reserved));
  finalize_module();
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_Finalize(nullptr));
  CK_INFO info;
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_GetInfo(&info));
  CK_ULONG count = 0;
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED, p11->C_GetSlotList(CK_FALSE, nullptr, &count));
  CK_SESSION_HANDLE session;
  EXPECT_CKR(CKR_CRYPTOKI_NOT_INITIALIZED,
             p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session));
  ASSERT_CKR(CKR_OK, initialize_module(nullptr));
}

CK_RV dummy_create(CK_VOID_PTR_PTR) { return CKR_OK; }
CK_RV dummy_mutex(CK_VOID_PTR) { return CKR_OK; }

TEST_F(GeneralTest, InitializeArguments) {
  finalize_module();
  CK_C_INITIALIZE_ARGS args{};
  int reserved = 0;
  args.pReserved = &reserved;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Initialize(&args));
  args = {};
  args.CreateMutex = dummy_create;  // some callbacks but not all
  args.flags = CKF_OS_LOCKING_OK;
  EXPECT_CKR(CKR_ARGUMENTS_BAD, p11->C_Initialize(&args));
  args.DestroyMutex = dummy_mutex;
  args.LockMutex = dummy_mutex;
  args.UnlockMutex = dummy_mutex;
  args.flags = 0;  // callbacks only: the module locks with them (§5.4, case 3)
  ASSERT_CKR(CKR_OK, initialize_module(&args));
  finalize_module();
  args.flags = CKF_OS_LOCKING_OK;
  ASSERT_CKR(CKR_OK, initialize_module(&args));
  finalize_module();
  args = {};
  args.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK;
  ASSERT_CKR(CKR_OK, initialize_module(&args));
}

TEST_F(GeneralTest, BadConfigurationFailsQuietlyWithDiagnostic) {
  finalize_module();
  {
    std::ofstream out(dir() / "craton_hsm.toml");
    out << "[token]\nstorage_path = \"store\"\nno_such_key = 1\n";
  }
  ::unsetenv("CRATON_HSM_DEBUG");
  testing::internal::CaptureStderr();
  const CK_RV rv = p11->C_Initialize(nullptr);
  const std::string stderr_text = testing::internal::GetCapturedStderr();
  EXPECT_CKR(CKR_GENERAL_ERROR, rv);
  EXPECT_EQ("", stderr_text);
  const std::string error = Module::get().last_error();
  EXPECT_NE(std::string::npos, error.find("craton_hsm.toml")) << error;
  EXPECT_NE(std::string::npos, error.find("no_such_key")) << error;

  ::setenv("CRATON_HSM_DEBUG", "1", 1);
  testing::internal::CaptureStderr();
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_Initialize(nullptr));
  const std::string debug_text = testing::internal::GetCapturedStderr();
  ::unsetenv("CRATON_HSM_DEBUG");
  EXPECT_NE(std::string::npos, debug_text.find("no_such_key")) << debug_text;

  write_config(dir());
  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
}

// Diagnostics go to the file CRATON_HSM_LOG names: appended, one line per
// message with a UTC timestamp, "craton-hsm" and the PID, created 0600.
TEST_F(GeneralTest, DiagnosticsFileFormat) {
  finalize_module();
  {
    std::ofstream out(dir() / "craton_hsm.toml");
    out << "[token]\nstorage_path = \"store\"\nno_such_key = 1\n";
  }
  const std::filesystem::path log = dir() / "diagnostics.log";
  ::setenv("CRATON_HSM_LOG", log.c_str(), 1);
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_Initialize(nullptr));
  EXPECT_CKR(CKR_GENERAL_ERROR, p11->C_Initialize(nullptr));
  ::setenv("CRATON_HSM_LOG", Module::get().log_path.c_str(), 1);

  struct stat st {};
  ASSERT_EQ(0, ::stat(log.c_str(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(2u, lines.size());  // appended, not overwritten
  const std::regex format(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z craton-hsm\[(\d+)\]: C_Initialize: .*no_such_key.*)");
  for (const std::string& line : lines) {
    std::smatch match;
    ASSERT_TRUE(std::regex_match(line, match, format)) << line;
    EXPECT_EQ(std::to_string(::getpid()), match[1].str());
  }

  write_config(dir());
  ASSERT_CKR(CKR_OK, initialize_module(nullptr)) << Module::get().last_error();
}

// The module exports the standard entry points and nothing else (DESIGN.md
// §1): no vendor function, no OpenSSL or C++ runtime symbol.
TEST_F(GeneralTest, ExportsOnlyStandardFunctions) {
  const Module& m = Module::get();
  const std::vector<std::string> names = exported_names();
  ASSERT_FALSE(names.empty()) << "nm -D --defined-only listed nothing (is nm installed?)";
  for (const std::string& name : names) {
    EXPECT_EQ(0u, name.rfind("C_", 0)) << name;
    void* fn = ::dlsym(m.handle, name.c_str());
    ASSERT_NE(nullptr, fn) << name;
    // Each export is an entry of a function list, except C_GetInfo: every
    // list has its own (it reports the list's version), the export is 2.40's.
    const bool standard = name == "C_GetInfo" || list_contains(m.v2_40, fn) || list_contains(m.v3_0, fn) ||
                          list_contains(m.v3_2, fn);
    EXPECT_TRUE(standard) << name << " is not a PKCS#11 function of any list";
  }
  EXPECT_EQ(nullptr, ::dlsym(m.handle, "C_CratonGetLastError"));
}

// Exit codes of the forked child, one per check, so a failure says which.
enum ChildResult {
  kChildOk = 0,
  kInfoNotRefused = 10,
  kSessionNotRefused,
  kFinalizeNotRefused,
  kSameStoreNotRefused,
  kReinitFailed,
  kChildUnusable,
  kChildFinalizeFailed,
};

int child_checks(CK_FUNCTION_LIST_3_2* p11, CK_SLOT_ID slot, const std::filesystem::path& other_dir) {
  CK_INFO info;
  if (p11->C_GetInfo(&info) != CKR_CRYPTOKI_NOT_INITIALIZED) return kInfoNotRefused;
  CK_SESSION_HANDLE session;
  if (p11->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &session) != CKR_CRYPTOKI_NOT_INITIALIZED) {
    return kSessionNotRefused;
  }
  if (p11->C_Finalize(nullptr) != CKR_CRYPTOKI_NOT_INITIALIZED) return kFinalizeNotRefused;
  // The parent still owns its store.
  if (p11->C_Initialize(nullptr) == CKR_OK) return kSameStoreNotRefused;
  ::setenv("CRATON_HSM_CONFIG", (other_dir / "craton_hsm.toml").c_str(), 1);
  if (p11->C_Initialize(nullptr) != CKR_OK) return kReinitFailed;
  CK_ULONG count = 0;
  if (p11->C_GetInfo(&info) != CKR_OK || p11->C_GetSlotList(CK_FALSE, nullptr, &count) != CKR_OK || count == 0) {
    return kChildUnusable;
  }
  if (p11->C_Finalize(nullptr) != CKR_OK) return kChildFinalizeFailed;
  return kChildOk;
}

TEST_F(GeneralTest, ForkedChildMustInitializeAgain) {
  init_token();
  CK_SESSION_HANDLE parent_session = open_session();
  const std::filesystem::path other_dir = dir() / "child";
  std::filesystem::create_directories(other_dir);
  {
    std::ofstream out(other_dir / "craton_hsm.toml");
    out << "[token]\nstorage_path = \"store\"\n[security]\npbkdf2_iterations = 100000\n";
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(child_checks(p11, slot, other_dir));
  int status = 0;
  ASSERT_EQ(child, ::waitpid(child, &status, 0));
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(kChildOk, WEXITSTATUS(status));
  // The child abandoned, not destroyed, the parent's core: the parent goes on.
  CK_SESSION_INFO info;
  EXPECT_CKR(CKR_OK, p11->C_GetSessionInfo(parent_session, &info));
  login(parent_session);
  EXPECT_CKR(CKR_OK, p11->C_Logout(parent_session));
}

}  // namespace
}  // namespace abi_test
