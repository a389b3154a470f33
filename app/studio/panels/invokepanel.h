#pragma once

#include "models/invocationhistorymodel.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QListView;
class QPlainTextEdit;
class QPushButton;
class QsciScintilla;

namespace nimbus::studio {

class FunctionsModel;
class InvocationHistoryModel;

// The Invoke panel: pick a function, write its event as JSON (checked as you type), or take
// a saved event (the project's events/<function>/*.json) or a template of a common event
// shape; Invoke runs it on the simulator and shows the result pretty-printed, or the
// error's type, message and stack, with the REPORT figures; the history re-runs any call.
class InvokePanel : public QWidget {
    Q_OBJECT
public:
    InvokePanel(SimulatorConnection *simulator, FunctionsModel *functions,
                const QString &projectDir, QWidget *parent = nullptr);

    void setFunction(const QString &name);
    QString function() const;
    void setEvent(const QString &json);
    QString event() const;
    // Invokes the chosen function with the event in the editor.
    void invoke();
    bool eventIsValid() const { return m_eventValid; }
    // Writes the event as events/<function>/<name>.json.
    bool saveEvent(const QString &name, QString *error = nullptr);

    QLabel *resultStatus() const { return m_status; }
    QPlainTextEdit *resultView() const { return m_result; }
    QLabel *figures() const { return m_figures; }
    QPushButton *invokeButton() const { return m_invoke; }
    InvocationHistoryModel *history() const { return m_history; }

signals:
    void invoked(const nimbus::studio::InvocationRecord &record);

private:
    void reloadSavedEvents();
    void validate();
    void showRecord(const InvocationRecord &record);
    void run(const QString &function, const QByteArray &event);

    SimulatorConnection *m_simulator;
    FunctionsModel *m_functions;
    QString m_projectDir;
    QComboBox *m_function;
    QComboBox *m_saved;
    QComboBox *m_template;
    QPushButton *m_save;
    QsciScintilla *m_event;
    QLabel *m_validation;
    QPushButton *m_invoke;
    QLabel *m_status;
    QLabel *m_figures;
    QPlainTextEdit *m_result;
    QListView *m_historyView;
    InvocationHistoryModel *m_history;
    bool m_eventValid = true;
    bool m_running = false;
};

} // namespace nimbus::studio
