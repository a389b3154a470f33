#pragma once

#include <QWidget>

class QTableView;

namespace nimbus::studio {

class ProblemsModel;

// The Problems panel: every diagnostic the language server published, errors first;
// activating one opens its file at its position.
class ProblemsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ProblemsPanel(ProblemsModel *model, QWidget *parent = nullptr);
    QTableView *view() const { return m_view; }

signals:
    void openLocation(const QString &path, int line, int column);

private:
    QTableView *m_view;
};

} // namespace nimbus::studio
