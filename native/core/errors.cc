#include "core/errors.h"

#include <new>

#include "core/compat.h"

namespace adx {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::Config: return "E_CONFIG";
    case ErrorCode::Data: return "E_DATA";
    case ErrorCode::Shape: return "E_SHAPE";
    case ErrorCode::Device: return "E_DEVICE";
    case ErrorCode::Oom: return "E_OOM";
    case ErrorCode::Nan: return "E_NAN";
    case ErrorCode::Busy: return "E_BUSY";
    case ErrorCode::Disposed: return "E_DISPOSED";
    case ErrorCode::Io: return "E_IO";
    case ErrorCode::Checkpoint: return "E_CHECKPOINT";
    case ErrorCode::Abort: return "E_ABORT";
    case ErrorCode::Native: return "E_NATIVE";
  }
  return "E_NATIVE";
}

ErrorInfo describe_current_exception() {
  try {
    throw;
  } catch (const Error& e) {
    return {error_code_name(e.code()), e.what(), ""};
  } catch (const c10::OutOfMemoryError& e) {
    const auto detail = compat::message_without_backtrace(e);
    return {"E_OOM", "out of memory on the training device; lower batchSize or the model width", detail};
  } catch (const c10::Error& e) {
    const auto detail = compat::message_without_backtrace(e);
    return {"E_NATIVE", "LibTorch error: " + detail, detail};
  } catch (const std::bad_alloc&) {
    return {"E_OOM", "out of host memory", ""};
  } catch (const std::exception& e) {
    return {"E_NATIVE", std::string("native error: ") + e.what(), e.what()};
  } catch (...) {
    return {"E_NATIVE", "unknown native error", ""};
  }
}

}  // namespace adx
