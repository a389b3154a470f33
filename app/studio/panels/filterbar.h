#pragma once

#include <QWidget>

class QComboBox;
class QHBoxLayout;
class QLabel;

namespace nimbus::studio {

class FunctionsModel;

// The bar over a panel that reads the simulator's records: which function ("All functions",
// or one of the project's, kept across manifest changes), a Refresh button and a quiet status
// line. A panel adds controls of its own before Refresh (addControl).
class FilterBar : public QWidget {
    Q_OBJECT
public:
    // `prefix` names the widgets for tests ("<prefix>Function", "<prefix>Refresh",
    // "<prefix>Status"); `what` is what the panel shows ("traces"), for accessible names.
    FilterBar(FunctionsModel *functions, const QString &prefix, const QString &what,
              QWidget *parent = nullptr);

    // The chosen function's name; empty for all of them.
    QString function() const;
    // Chooses `function` (listed even if the project does not name it), without a signal.
    void setFunction(const QString &function);
    void addControl(QLabel *label, QWidget *control);
    QLabel *status() const { return m_status; }
    QComboBox *functionBox() const { return m_function; }

signals:
    // The user chose another function, or asked for a refresh.
    void functionChosen();
    void refreshRequested();

private:
    void fillFunctions();

    FunctionsModel *m_functions;
    QHBoxLayout *m_controls;
    QComboBox *m_function;
    QLabel *m_status;
};

} // namespace nimbus::studio
