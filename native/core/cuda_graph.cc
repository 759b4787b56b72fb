#include "core/cuda_graph.h"

#include "core/compat.h"
#include "core/errors.h"

// Only a build against a CUDA LibTorch has these (CMake defines ADX_WITH_CUDA_GRAPHS there
// unless -DADX_CUDA_GRAPHS=OFF).
#ifdef ADX_WITH_CUDA_GRAPHS
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace adx {

#ifdef ADX_WITH_CUDA_GRAPHS

struct CudaGraph::Impl {
  explicit Impl(const torch::Device& d) : device(d) {}
  torch::Device device;
  at::cuda::CUDAGraph graph;  // default-constructed (its constructor is explicit in newer LibTorch)
};

CudaGraphPool new_cuda_graph_pool() { return at::cuda::graph_pool_handle(); }

CudaGraph::CudaGraph(const torch::Device& device) {
  if (!device.is_cuda()) throw Error(ErrorCode::Device, "CUDA graphs need a CUDA device");
  impl_ = std::make_unique<Impl>(device);
}

CudaGraph::~CudaGraph() = default;

void CudaGraph::capture(const std::function<void()>& body, CudaGraphPool pool) {
  const auto index = impl_->device.index();
  // Capture needs a stream other than the default one; it starts once everything queued before
  // has run (a one-off wait: a graph is captured once per step structure).
  auto side = c10::cuda::getStreamFromPool(/*isHighPriority=*/false, index);
  c10::cuda::getCurrentCUDAStream(index).synchronize();
  c10::cuda::CUDAStreamGuard on_side(side);
  impl_->graph.capture_begin(pool);
  try {
    body();
  } catch (...) {
    // End the capture so the stream is usable again; the graph is dropped with the exception.
    try {
      impl_->graph.capture_end();
    } catch (...) {
    }
    throw;
  }
  impl_->graph.capture_end();
  side.synchronize();
}

void CudaGraph::replay() { impl_->graph.replay(); }

#else

struct CudaGraph::Impl {};

CudaGraphPool new_cuda_graph_pool() { return {0, 0}; }

CudaGraph::CudaGraph(const torch::Device&) {
  throw Error(ErrorCode::Device, "this build of adautomix has no CUDA graphs (LibTorch " + compat::torch_version() +
                                     "): set speed.cudaGraphs: false");
}

CudaGraph::~CudaGraph() = default;

void CudaGraph::capture(const std::function<void()>&, CudaGraphPool) {}

void CudaGraph::replay() {}

#endif

}  // namespace adx
