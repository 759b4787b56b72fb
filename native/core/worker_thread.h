// One OS thread that runs a trainer's jobs in order. All torch work of a trainer happens here:
// the libuv pool is small and shared, and oneDNN/OpenMP state warms up per thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace adx {

class WorkerThread {
 public:
  WorkerThread();
  ~WorkerThread();
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Queues a job. Jobs must not throw (they report errors themselves).
  void post(std::function<void()> job);

  // Runs every job already queued, then ends the thread. Idempotent.
  void stop();

 private:
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace adx
