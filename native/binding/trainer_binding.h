// The JS class NativeTrainer: owns one WorkerThread and the Trainer living on it.
// Methods return Promises; nothing here runs torch code on the JS thread.
#pragma once

#include <napi.h>

#include <memory>

#include "core/worker_thread.h"
#include "node/job_runner.h"
#include "train/trainer.h"

namespace adx::node {

class TrainerBinding : public Napi::ObjectWrap<TrainerBinding> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit TrainerBinding(const Napi::CallbackInfo& info);
  ~TrainerBinding() override;

 private:
  Napi::Value init(const Napi::CallbackInfo& info);
  Napi::Value train_step(const Napi::CallbackInfo& info);
  Napi::Value evaluate(const Napi::CallbackInfo& info);
  Napi::Value state(const Napi::CallbackInfo& info);
  Napi::Value load_state(const Napi::CallbackInfo& info);
  Napi::Value checkpoint(const Napi::CallbackInfo& info);
  Napi::Value restore(const Napi::CallbackInfo& info);
  Napi::Value load_pretrained(const Napi::CallbackInfo& info);
  Napi::Value forward(const Napi::CallbackInfo& info);
  Napi::Value input_gradient(const Napi::CallbackInfo& info);
  Napi::Value mix(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);

  // A promise already rejected with E_DISPOSED.
  static Napi::Value disposed_promise(Napi::Env env);

  // Queues `work` against the live trainer; E_DISPOSED once dispose() was called.
  template <class R>
  Napi::Value run(const Napi::CallbackInfo& info, std::function<R(Trainer&)> work,
                  std::function<Napi::Value(Napi::Env, const R&)> to_js, std::vector<Napi::Object> keep_alive = {});

  TrainerConfig config_;
  std::unique_ptr<WorkerThread> worker_;
  std::unique_ptr<JobRunner> jobs_;
  std::shared_ptr<std::unique_ptr<Trainer>> trainer_;  // touched only on the worker thread
  bool disposed_ = false;
};

}  // namespace adx::node
