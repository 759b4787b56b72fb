// One CUDA graph: a recorded sequence of kernels that replays with a single launch (LibTorch's
// at::cuda::CUDAGraph). Only a CUDA build has one; elsewhere creating it throws E_DEVICE.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace adx {

// A memory pool that several graphs share (LibTorch's MempoolId_t).
using CudaGraphPool = std::pair<unsigned long long, unsigned long long>;

// A fresh pool id for the graphs of one trainer.
CudaGraphPool new_cuda_graph_pool();

class CudaGraph {
 public:
  explicit CudaGraph(const torch::Device& device);
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  // Records `body` on a side stream once the device's current stream has drained: nothing runs,
  // the kernels are kept, and every tensor body allocates lives in `pool` from then on.
  void capture(const std::function<void()>& body, CudaGraphPool pool);
  // Launches the recorded kernels on the current stream.
  void replay();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace adx
