#include "problemspanel.h"

#include "models/problemsmodel.h"

#include <QHeaderView>
#include <QTableView>
#include <QVBoxLayout>

namespace nimbus::studio {

ProblemsPanel::ProblemsPanel(ProblemsModel *model, QWidget *parent)
    : QWidget(parent) {
    setAccessibleName(tr("Problems"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_view = new QTableView(this);
    m_view->setModel(model);
    m_view->setAccessibleName(tr("Problems list"));
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setShowGrid(false);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setSectionResizeMode(ProblemsModel::MessageColumn,
                                                     QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(ProblemsModel::SeverityColumn,
                                                     QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(ProblemsModel::FileColumn,
                                                     QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(ProblemsModel::LineColumn,
                                                     QHeaderView::ResizeToContents);
    layout->addWidget(m_view);
    auto jump = [this](const QModelIndex &index) {
        emit openLocation(index.data(ProblemsModel::FileRole).toString(),
                          index.data(ProblemsModel::LineRole).toInt(),
                          index.data(ProblemsModel::ColumnRole).toInt());
    };
    connect(m_view, &QTableView::activated, this, jump);
    connect(m_view, &QTableView::clicked, this, jump);
}

} // namespace nimbus::studio
