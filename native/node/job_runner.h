// Runs work on a WorkerThread and settles a JS Promise with its result on the JS thread.
//
// Each job is one heap Completion created on the JS thread: it holds the work, the result, the
// Deferred and references that keep JS inputs (typed arrays, the owning object) alive until the
// job settles. The worker runs completion->work and hands the pointer back through a
// thread-safe function; the Completion is destroyed on the JS thread, so no JS handle is ever
// touched off it. The thread-safe function is ref'd only while jobs are pending, so an idle
// trainer does not keep the process alive.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/errors.h"
#include "core/worker_thread.h"

namespace adx::node {

struct Completion {
  std::function<void()> work;                   // worker thread; must not throw
  std::function<void(Napi::Env)> settle;        // JS thread
  std::vector<Napi::ObjectReference> keep_alive;
};

class JobRunner {
 public:
  explicit JobRunner(Napi::Env env);
  ~JobRunner();

  // `work` runs on `worker`; `to_js` converts its result on the JS thread. An exception from
  // `work` rejects the promise with a coded error.
  template <class R>
  Napi::Promise submit(Napi::Env env, WorkerThread& worker, std::function<R()> work,
                       std::function<Napi::Value(Napi::Env, const R&)> to_js,
                       const std::vector<Napi::Object>& keep_alive) {
    auto deferred = Napi::Promise::Deferred::New(env);
    auto result = std::make_shared<std::optional<R>>();
    auto error = std::make_shared<ErrorInfo>();
    auto* completion = new Completion();
    completion->work = [work = std::move(work), result, error] {
      try {
        result->emplace(work());
      } catch (...) {
        *error = describe_current_exception();
      }
    };
    completion->settle = [deferred, result, error, to_js = std::move(to_js)](Napi::Env env) {
      if (!result->has_value()) {
        deferred.Reject(make_error_value(env, *error));
        return;
      }
      try {
        deferred.Resolve(to_js(env, **result));
      } catch (const Napi::Error& e) {
        deferred.Reject(e.Value());
      }
    };
    for (const auto& object : keep_alive) completion->keep_alive.push_back(Napi::Persistent(object));
    enqueue(env, worker, completion);
    return deferred.Promise();
  }

  // Lets the thread-safe function go once no job is pending (call after the last submit).
  void close();

 private:
  static Napi::Value make_error_value(Napi::Env env, const ErrorInfo& info);
  static void call_js(Napi::Env env, Napi::Function, JobRunner* runner, Completion* completion);
  using Tsfn = Napi::TypedThreadSafeFunction<JobRunner, Completion, &JobRunner::call_js>;

  void enqueue(Napi::Env env, WorkerThread& worker, Completion* completion);
  void on_settled(Napi::Env env);

  Tsfn tsfn_;
  int pending_ = 0;
  bool closing_ = false;
  bool released_ = false;
};

}  // namespace adx::node
