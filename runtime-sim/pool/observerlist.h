#pragma once

#include "functionpool.h"

#include <algorithm>
#include <vector>

namespace nimbus::sim {

// Several observers behind one: pools take a single observer, and the console, the log
// store and tests may all want to listen.
class ObserverList : public PoolObserver {
public:
    void add(PoolObserver *observer) {
        if (observer)
            m_observers.push_back(observer);
    }
    void remove(PoolObserver *observer) { std::erase(m_observers, observer); }

    void instanceStarted(const std::string &function, pid_t pid) override {
        for (auto *o : m_observers)
            o->instanceStarted(function, pid);
    }
    void instanceStopped(const std::string &function, pid_t pid, const std::string &why) override {
        for (auto *o : m_observers)
            o->instanceStopped(function, pid, why);
    }
    void invocationLog(const std::string &function, const std::string &log) override {
        for (auto *o : m_observers)
            o->invocationLog(function, log);
    }
    void invocationRecorded(const FunctionConfig &function, const std::string &log) override {
        for (auto *o : m_observers)
            o->invocationRecorded(function, log);
    }
    void gatewayRequest(const std::string &function, const std::string &line) override {
        for (auto *o : m_observers)
            o->gatewayRequest(function, line);
    }
    void platformEvent(const std::string &message) override {
        for (auto *o : m_observers)
            o->platformEvent(message);
    }

    void instanceState(const std::string &function, pid_t pid, const std::string &state,
                       long long peakKb) override {
        for (auto *o : m_observers)
            o->instanceState(function, pid, state, peakKb);
    }
    void invocationStarted(const std::string &function, const std::string &requestId) override {
        for (auto *o : m_observers)
            o->invocationStarted(function, requestId);
    }
    void invocationFinished(const std::string &function, const InvocationResult &result) override {
        for (auto *o : m_observers)
            o->invocationFinished(function, result);
    }

private:
    std::vector<PoolObserver *> m_observers;
};

} // namespace nimbus::sim
