// Builds JS errors from native ErrorInfo. lib/errors.ts registers its AdautomixError class at load
// time (better-sqlite3's pattern) so native errors arrive as that class with a `code`.
#pragma once

#include <napi.h>

#include "core/errors.h"

namespace adx::node {

// Stores the JS error constructor: new Ctor(message, code, detail).
void set_error_class(Napi::Env env, Napi::Function ctor);

Napi::Error make_error(Napi::Env env, const ErrorInfo& info);

// Throws a JS error built from the C++ exception being handled (call inside catch).
[[noreturn]] void rethrow_as_js(Napi::Env env);

}  // namespace adx::node
