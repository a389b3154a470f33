#include "outputpanel.h"

#include "models/logmodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

namespace nimbus::studio {

OutputPanel::OutputPanel(LogModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model) {
    setAccessibleName(tr("Output"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto *bar = new QHBoxLayout();
    bar->setContentsMargins(4, 2, 4, 0);
    auto *functionLabel = new QLabel(tr("Function:"), this);
    m_function = new QComboBox(this);
    m_function->setAccessibleName(tr("Function filter"));
    m_function->addItem(tr("All functions"), QString());
    m_function->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    functionLabel->setBuddy(m_function);
    m_text = new QLineEdit(this);
    m_text->setPlaceholderText(tr("Filter text"));
    m_text->setAccessibleName(tr("Filter text"));
    m_text->setClearButtonEnabled(true);
    m_follow = new QCheckBox(tr("Follow"), this);
    m_follow->setAccessibleName(tr("Follow"));
    m_follow->setChecked(true);
    auto *clear = new QPushButton(tr("Clear"), this);
    clear->setAccessibleName(tr("Clear"));
    bar->addWidget(functionLabel);
    bar->addWidget(m_function);
    bar->addWidget(m_text, 1);
    bar->addWidget(m_follow);
    bar->addWidget(clear);
    layout->addLayout(bar);

    m_filter = new LogFilterModel(this);
    m_filter->setSourceModel(model);
    m_view = new QListView(this);
    m_view->setModel(m_filter);
    m_view->setAccessibleName(tr("Log"));
    m_view->setUniformItemSizes(true); // a fast stream of lines: no per-row measuring
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setLayoutMode(QListView::Batched);
    m_view->setBatchSize(500);
    layout->addWidget(m_view, 1);

    connect(model, &LogModel::functionSeen, this,
            [this](const QString &function) { m_function->addItem(function, function); });
    connect(m_function, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setFunction(m_function->currentData().toString()); });
    connect(m_text, &QLineEdit::textChanged, m_filter, &LogFilterModel::setText);
    connect(clear, &QPushButton::clicked, model, &LogModel::clear);
    // Following: scroll to the end once per event-loop turn, however many rows arrived.
    auto *scroll = new QTimer(this);
    scroll->setSingleShot(true);
    scroll->setInterval(0);
    connect(scroll, &QTimer::timeout, m_view, &QListView::scrollToBottom);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this, scroll] {
        if (m_follow->isChecked() && !scroll->isActive())
            scroll->start();
    });
    // Scrolling up to read stops following; scrolling back to the end resumes it.
    connect(m_view->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        const QScrollBar *bar = m_view->verticalScrollBar();
        if (bar->isSliderDown())
            m_follow->setChecked(value >= bar->maximum() - 1);
    });
}

} // namespace nimbus::studio
