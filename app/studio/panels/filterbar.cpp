#include "filterbar.h"

#include "models/functionsmodel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

namespace nimbus::studio {

FilterBar::FilterBar(FunctionsModel *functions, const QString &prefix, const QString &what,
                     QWidget *parent)
    : QWidget(parent)
    , m_functions(functions) {
    auto *bar = new QHBoxLayout(this);
    bar->setContentsMargins(0, 0, 0, 0);
    auto *functionLabel = new QLabel(tr("&Function:"), this);
    m_function = new QComboBox(this);
    m_function->setObjectName(prefix + "Function");
    m_function->setAccessibleName(tr("Function"));
    m_function->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    functionLabel->setBuddy(m_function);
    auto *refresh = new QPushButton(tr("Refresh"), this);
    refresh->setObjectName(prefix + "Refresh");
    refresh->setAccessibleName(tr("Refresh %1").arg(what));
    m_status = new QLabel(this);
    m_status->setObjectName(prefix + "Status");
    QString statusName = what;
    statusName[0] = statusName[0].toUpper();
    m_status->setAccessibleName(tr("%1 status").arg(statusName));
    QPalette quiet = m_status->palette();
    quiet.setColor(QPalette::WindowText, palette().color(QPalette::PlaceholderText));
    m_status->setPalette(quiet);
    bar->addWidget(functionLabel);
    bar->addWidget(m_function);
    m_controls = new QHBoxLayout();
    bar->addLayout(m_controls);
    bar->addWidget(refresh);
    bar->addSpacing(12);
    bar->addWidget(m_status, 1);

    fillFunctions();
    connect(functions, &FunctionsModel::functionsChanged, this, &FilterBar::fillFunctions);
    connect(m_function, &QComboBox::activated, this, &FilterBar::functionChosen);
    connect(refresh, &QPushButton::clicked, this, &FilterBar::refreshRequested);
}

QString FilterBar::function() const {
    return m_function->currentData().toString();
}

void FilterBar::setFunction(const QString &function) {
    int index = m_function->findData(function);
    if (index < 0 && !function.isEmpty()) {
        // Not (yet) in the project's list: asked for by name all the same.
        m_function->addItem(function, function);
        index = m_function->count() - 1;
    }
    m_function->setCurrentIndex(std::max(index, 0));
}

void FilterBar::addControl(QLabel *label, QWidget *control) {
    m_controls->addSpacing(12);
    if (label) {
        label->setBuddy(control);
        m_controls->addWidget(label);
    }
    m_controls->addWidget(control);
}

void FilterBar::fillFunctions() {
    const QString current = function();
    m_function->clear();
    m_function->addItem(tr("All functions"), QString());
    for (const QString &name : m_functions->names())
        m_function->addItem(name, name);
    const int index = m_function->findData(current);
    m_function->setCurrentIndex(index < 0 ? 0 : index);
}

} // namespace nimbus::studio
