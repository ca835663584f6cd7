// run_task_graph: order of dependencies, concurrency, and which error is reported.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "oasis/core/task_graph.hpp"

using namespace oasis;

TEST_CASE("task graph: a task starts after the tasks it needs, independent tasks overlap", "[core]") {
  // 0 and 1 need nothing, 2 needs 0, 3 needs 1 and 2.
  const std::vector<std::vector<std::size_t>> needs{{}, {}, {0}, {1, 2}};
  std::mutex m;
  std::vector<std::size_t> order;
  std::atomic<int> running{0}, most{0};
  run_task_graph(
      needs,
      [&](std::size_t i, TaskControl&) {
        const int now = ++running;
        for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {}
        std::this_thread::sleep_for(std::chrono::milliseconds(i < 2 ? 200 : 10));  // 0 and 1 side by side
        --running;
        const std::lock_guard lock(m);
        order.push_back(i);
      },
      2);
  REQUIRE(order.size() == 4);
  const auto at = [&](std::size_t i) { return std::find(order.begin(), order.end(), i) - order.begin(); };
  CHECK(at(2) > at(0));
  CHECK(at(3) > at(1));
  CHECK(at(3) > at(2));
  if (std::thread::hardware_concurrency() >= 2) CHECK(most == 2);  // two threads: 0 and 1 ran at the same time
  // One thread: never two at once, the same constraints.
  order.clear();
  most = 0;
  run_task_graph(
      needs,
      [&](std::size_t i, TaskControl&) {
        const int now = ++running;
        for (int seen = most; now > seen && !most.compare_exchange_weak(seen, now);) {}
        --running;
        const std::lock_guard lock(m);
        order.push_back(i);
      },
      1);
  CHECK(most == 1);
  CHECK(at(3) == 3);
}

TEST_CASE("task graph: the error reported is the first that was not a stop, in task order", "[core]") {
  const std::vector<std::vector<std::size_t>> needs{{}, {}, {1}};
  // Task 0 waits to be told to stop (task 1 fails), then throws: its error is a consequence.
  // Task 2 needs 1, which failed: it never runs.
  bool ran2 = false;
  try {
    run_task_graph(
        needs,
        [&](std::size_t i, TaskControl& c) {
          if (i == 0) {
            while (!c.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            throw std::runtime_error("stopped");
          }
          if (i == 1) throw std::runtime_error("disk full");
          ran2 = true;
        },
        2);
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "disk full");
  }
  CHECK_FALSE(ran2);
  // Two failures of their own (both started before either failed): the first in task order,
  // although it finished last.
  std::atomic<int> started{0};
  try {
    run_task_graph(
        {{}, {}},
        [&](std::size_t i, TaskControl&) {
          ++started;
          const auto t0 = std::chrono::steady_clock::now();
          while (started < 2 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) std::this_thread::yield();
          if (i == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
          throw std::runtime_error(i == 0 ? "first" : "second");
        },
        2);
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == (started == 2 ? "first" : "second"));
  }
  // A task may need only tasks before it.
  CHECK_THROWS(run_task_graph({{1}, {}}, [](std::size_t, TaskControl&) {}));
}
