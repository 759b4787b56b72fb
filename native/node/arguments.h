// What every synchronous binding shares: positional number arguments checked in the user's
// terms, and a body run so that any C++ exception reaches JavaScript as an error with a code.
#pragma once

#include <napi.h>

#include <cstddef>

#include "node/js_error.h"

namespace adx::node {

// info[i] as a number in [min, max] (an integer when `integer`), else E_CONFIG naming `name`.
double number_argument(const Napi::CallbackInfo& info, size_t i, const char* name, double min, double max, bool integer);

// Runs body(env) and returns its value; a C++ exception becomes a JS error (rethrow_as_js).
template <class Body>
Napi::Value guarded(const Napi::CallbackInfo& info, Body body) {
  try {
    return body(info.Env());
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    rethrow_as_js(info.Env());
  }
}

}  // namespace adx::node
