#pragma once

#include "models/tracesmodel.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;
class QTreeWidget;

namespace nimbus::studio {

class FilterBar;
class SimulatorReader;

class FunctionsModel;
class SimulatorConnection;
class StateStack;
class VisibleRefresh;
class WaterfallView;

// The Traces panel: the recent call chains (time, root, duration, spans, errors) on the
// left; the selected one as a waterfall; the selected span's ids, status and attributes on
// the right. Read from the simulator's /_nimbus/traces when shown and every few seconds
// while in view.
class TracesPanel : public QWidget {
    Q_OBJECT
public:
    TracesPanel(SimulatorConnection *simulator, FunctionsModel *functions,
                QWidget *parent = nullptr);

    void refresh();
    void setFunction(const QString &function); // "" for all
    QString function() const;
    // Shows a trace of the list in the waterfall; false when it is not listed.
    bool selectTrace(const QString &traceId);
    QString selectedTrace() const { return m_shownTrace; }
    // Selects a span of the shown trace (its index in the trace's spans).
    void selectSpan(int spanIndex);

    TracesModel *traces() const { return m_traces; }
    WaterfallModel *waterfall() const { return m_waterfall; }
    QTableView *traceList() const { return m_list; }
    WaterfallView *waterfallView() const { return m_waterfallView; }
    QTreeWidget *spanDetails() const { return m_details; }
    StateStack *states() const { return m_states; }
    bool isPolling() const;

signals:
    void refreshed();

private:
    void showTraces(const QList<TraceRecord> &traces);
    void showTrace(const TraceRecord &trace);
    void showSpan(int spanIndex);
    void showUnavailable(const QString &why);

    TracesModel *m_traces;
    WaterfallModel *m_waterfall;
    FilterBar *m_bar;
    QTableView *m_list;
    WaterfallView *m_waterfallView;
    QTreeWidget *m_details;
    QLabel *m_waterfallTitle;
    StateStack *m_states;
    VisibleRefresh *m_poller;
    QString m_shownTrace;
    SimulatorReader *m_reader;
};

} // namespace nimbus::studio
