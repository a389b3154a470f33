#pragma once

#include "models/variablesmodel.h"

#include <QWidget>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QTableView;
class QToolBar;
class QTreeView;

namespace nimbus::studio {

class BreakpointsModel;
class DebugSession;

// The Run and Debug panel: a toolbar (continue, step over/into/out, restart, stop), the
// stopped frame's Variables (a lazy tree, edited in place), Watch expressions re-evaluated
// at each stop, the Call Stack (click a frame to see its variables and source), and the
// Breakpoints with the exception filters.
class DebugPanel : public QWidget {
    Q_OBJECT
public:
    DebugPanel(DebugSession *session, BreakpointsModel *breakpoints, const QList<QAction *> &toolbar,
               QWidget *parent = nullptr);

    QTreeView *variablesView() const { return m_variablesView; }
    QTreeView *watchView() const { return m_watchView; }
    QListWidget *callStack() const { return m_stack; }
    QTableView *breakpointsView() const { return m_breakpointsView; }
    VariablesModel *variables() const { return m_variables; }
    VariablesModel *watches() const { return m_watches; }
    QLabel *status() const { return m_status; }
    QStringList watchExpressions() const { return m_expressions; }
    void setWatchExpressions(const QStringList &expressions);
    void addWatch(const QString &expression);

signals:
    void openLocation(const QString &path, int line, int column);

private:
    void refreshWatches();

    DebugSession *m_session;
    BreakpointsModel *m_breakpoints;
    VariablesModel *m_variables;
    VariablesModel *m_watches;
    QLabel *m_status;
    QTreeView *m_variablesView;
    QTreeView *m_watchView;
    QLineEdit *m_watchInput;
    QListWidget *m_stack;
    QTableView *m_breakpointsView;
    QCheckBox *m_raised;
    QCheckBox *m_uncaught;
    QStringList m_expressions;
};

// The Debug Console: the function's output, the result and REPORT line, the session's news;
// an input line evaluates in the selected frame.
class DebugConsole : public QWidget {
    Q_OBJECT
public:
    explicit DebugConsole(DebugSession *session, QWidget *parent = nullptr);
    void append(const QString &category, const QString &text);
    QPlainTextEdit *output() const { return m_output; }
    QLineEdit *input() const { return m_input; }

private:
    DebugSession *m_session;
    QPlainTextEdit *m_output;
    QLineEdit *m_input;
};

} // namespace nimbus::studio
