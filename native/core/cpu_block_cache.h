// A cache of large CPU tensor blocks, installed as LibTorch's CPU allocator.
//
// Why: every trainer runs on its own worker thread (core/worker_thread.h), and glibc serves a
// non-main thread from a secondary arena made of 64 MiB heaps that it shrinks and regrows, while
// blocks above the mmap threshold (at most 32 MiB) are mapped and unmapped on every use. A training
// step frees and reallocates the same activation sizes every iteration, so each step paid for
// millions of fresh page faults: WRN-28-8 (batch 100, 32²) took 15.5 s per step against 14.4 s for
// the same ops in PyTorch's main thread (benchmarks/results/zoo-step-cpu-2core-libtorch-1.13.md).
// Keeping freed blocks of at least kMinCachedBytes for reuse removes those faults.
//
// The idle (cached, unused) bytes are bounded; a freed block that would exceed the bound goes back
// to the system, and release_cpu_block_cache() empties the cache (trainers call it when disposed).
// ADX_CPU_CACHE_MB sets the bound (default: a quarter of physical memory); 0 keeps LibTorch's own
// allocator.
#pragma once

#include <cstddef>
#include <cstdint>

namespace adx {

struct CpuBlockCacheStats {
  bool installed = false;
  size_t idle_limit_bytes = 0;
  size_t idle_bytes = 0;      // freed blocks kept for reuse
  size_t live_bytes = 0;      // cached-size blocks currently held by tensors
  uint64_t reused = 0;        // allocations served from the cache
  uint64_t fresh = 0;         // allocations that went to the system
};

// Installs the cache as the CPU allocator once per process (later calls do nothing). Returns
// whether it is installed.
bool install_cpu_block_cache();

// Returns every idle block to the system.
void release_cpu_block_cache();

CpuBlockCacheStats cpu_block_cache_stats();

}  // namespace adx
