// mpi_communicator.cpp: Communicator over MPI_COMM_WORLD (see mpi_communicator.hpp).
#include "nn/mpi_communicator.hpp"

#include <mpi.h>

#include <climits>
#include <cstdlib>

namespace ag::nn {

namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  fail<Error>("MPI: ", what, " failed: ", std::string(text, static_cast<size_t>(len)));
}

// MPI counts are int: a larger buffer goes in slices of at most INT_MAX elements.
template <class F>
void in_slices(int64_t n, int64_t unit, F&& f) {
  const int64_t max = INT_MAX / unit * unit;
  for (int64_t off = 0; off < n; off += max) f(off, static_cast<int>(std::min<int64_t>(max, n - off)));
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(float* data, int64_t n) override {
    in_slices(n, 1, [&](int64_t off, int count) {
      check(MPI_Allreduce(MPI_IN_PLACE, data + off, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    });
  }
  void allreduce_sum(double* data, int64_t n) override {
    in_slices(n, 1, [&](int64_t off, int count) {
      check(MPI_Allreduce(MPI_IN_PLACE, data + off, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
    });
  }
  void broadcast(void* data, int64_t bytes, int root) override {
    auto* p = static_cast<char*>(data);
    in_slices(bytes, 1, [&](int64_t off, int count) { check(MPI_Bcast(p + off, count, MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast"); });
  }
  void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; in case it does
  }
  std::string name() const override { return "MPI (" + std::to_string(size_) + " ranks)"; }

 private:
  int rank_ = 0, size_ = 1;
};

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace

std::shared_ptr<Communicator> mpi_communicator(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    // Errors come back as return codes (check() turns them into exceptions) instead of aborting.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    std::atexit(finalize_at_exit);
  }
  return std::make_shared<MpiCommunicator>();
}

}  // namespace ag::nn
