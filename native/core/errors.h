// Error codes shared with lib/errors.ts. Every exception that leaves a job is turned into an
// ErrorInfo (code + user message + LibTorch detail), never allowed to reach Node as a crash.
#pragma once

#include <stdexcept>
#include <string>

namespace adx {

enum class ErrorCode { Config, Data, Shape, Device, Oom, Nan, Busy, Disposed, Io, Abort, Checkpoint, Native };

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

struct ErrorInfo {
  std::string code;     // "E_SHAPE", ...
  std::string message;  // in the user's terms
  std::string detail;   // LibTorch's own text, without backtrace; may be empty
};

// Call only inside a catch block: classifies the exception being handled.
ErrorInfo describe_current_exception();

}  // namespace adx
