#pragma once

// What the observability suites share: a profile in speedscope's format, and finding a span
// or a flame graph's node.
#include "models/flamegraph.h"
#include "models/tracesmodel.h"

#include <QString>

namespace observability {

// Frames 0 main, 1 parse, 2 loads (a library's), 3 fib; two invocations, the second in
// milliseconds. main: 760 µs in all, 10 its own; parse 250 (50 own); loads 200 own; fib 500
// own, three levels deep.
// (No "$schema" URL: moc takes the "//" in a raw string for a comment.)
inline const char *kSpeedscope = R"({
  "name": "checkout",
  "shared": {"frames": [
    {"name": "main", "file": "/p/handler.py", "line": 1},
    {"name": "parse", "file": "/p/handler.py", "line": 5},
    {"name": "loads", "file": "/usr/lib/python3.11/json/__init__.py", "line": 346},
    {"name": "fib", "file": "/p/handler.py", "line": 20}]},
  "profiles": [
    {"type": "sampled", "name": "checkout #1", "unit": "microseconds", "startValue": 0,
     "endValue": 260, "samples": [[0, 1, 2], [0, 1, 2], [0, 1], [0]],
     "weights": [100, 100, 50, 10]},
    {"type": "sampled", "name": "checkout #2", "unit": "milliseconds", "startValue": 0,
     "endValue": 0.5, "samples": [[0, 3, 3, 3]], "weights": [0.5]}]})";

inline int findSpan(const nimbus::studio::TraceRecord &trace, const QString &name) {
    for (int i = 0; i < trace.spans.size(); ++i)
        if (trace.spans[i].name == name)
            return i;
    return -1;
}

inline int findNode(const nimbus::studio::FlameGraph &graph, const QString &name, int depth) {
    for (int i = 0; i < graph.nodes().size(); ++i)
        if (graph.node(i).name == name && graph.node(i).depth == depth)
            return i;
    return -1;
}

} // namespace observability
