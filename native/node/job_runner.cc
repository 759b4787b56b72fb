#include "node/job_runner.h"

#include "node/js_error.h"

namespace adx::node {

JobRunner::JobRunner(Napi::Env env) {
  tsfn_ = Tsfn::New(env, "adautomix-trainer", 0, 1, this);
  tsfn_.Unref(env);
}

JobRunner::~JobRunner() {
  if (!released_) tsfn_.Release();
}

Napi::Value JobRunner::make_error_value(Napi::Env env, const ErrorInfo& info) {
  return make_error(env, info).Value();
}

void JobRunner::enqueue(Napi::Env env, WorkerThread& worker, Completion* completion) {
  if (pending_++ == 0) tsfn_.Ref(env);
  Tsfn tsfn = tsfn_;
  worker.post([completion, tsfn]() mutable {
    completion->work();
    if (tsfn.BlockingCall(completion) != napi_ok) {
      // The environment is shutting down: nobody is left to settle the promise.
      for (auto& ref : completion->keep_alive) ref.SuppressDestruct();
      delete completion;
    }
  });
}

void JobRunner::call_js(Napi::Env env, Napi::Function, JobRunner* runner, Completion* completion) {
  std::unique_ptr<Completion> owned(completion);
  if (env == nullptr) {
    for (auto& ref : owned->keep_alive) ref.SuppressDestruct();
    return;
  }
  owned->settle(env);
  owned.reset();  // drop the keep-alive references before the runner may be released
  runner->on_settled(env);
}

void JobRunner::on_settled(Napi::Env env) {
  if (--pending_ == 0) {
    tsfn_.Unref(env);
    if (closing_ && !released_) {
      released_ = true;
      tsfn_.Release();
    }
  }
}

void JobRunner::close() {
  closing_ = true;
  if (pending_ == 0 && !released_) {
    released_ = true;
    tsfn_.Release();
  }
}

}  // namespace adx::node
