#pragma once

#include <QWidget>

class QComboBox;
class QLineEdit;
class QListView;
class QCheckBox;

namespace nimbus::studio {

class LogModel;
class LogFilterModel;

// The Output panel: every function's log, live, START/END/REPORT lines set apart, errors in
// red; filtered by function and by text; follows the newest line unless the user scrolled
// up to read.
class OutputPanel : public QWidget {
    Q_OBJECT
public:
    explicit OutputPanel(LogModel *model, QWidget *parent = nullptr);
    QListView *view() const { return m_view; }
    QComboBox *functionFilter() const { return m_function; }
    QLineEdit *textFilter() const { return m_text; }
    LogFilterModel *filter() const { return m_filter; }

private:
    LogModel *m_model;
    LogFilterModel *m_filter;
    QListView *m_view;
    QComboBox *m_function;
    QLineEdit *m_text;
    QCheckBox *m_follow;
};

} // namespace nimbus::studio
