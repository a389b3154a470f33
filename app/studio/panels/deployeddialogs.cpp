#include "deployeddialogs.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>

namespace nimbus::studio {

namespace {

QDialogButtonBox *buttons(QDialog *dialog, const QString &okText, QPushButton **ok) {
    auto *box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    *ok = box->button(QDialogButtonBox::Ok);
    (*ok)->setText(okText);
    (*ok)->setAccessibleName(okText);
    box->button(QDialogButtonBox::Cancel)->setAccessibleName(QObject::tr("Cancel"));
    QObject::connect(box, &QDialogButtonBox::accepted, dialog, &QDialog::accept);
    QObject::connect(box, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    return box;
}

template <typename W> W *named(W *widget, const QString &name, const char *objectName) {
    widget->setAccessibleName(name);
    widget->setObjectName(objectName);
    return widget;
}

} // namespace

DeployDialog::DeployDialog(const QString &endpointName, const QStringList &functions,
                           const QString &stage, const QString &function, const Tree &tree,
                           QWidget *parent)
    : QDialog(parent) {
    setWindowTitle(tr("Deploy"));
    setObjectName("deployDialog");
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        tr("Package the project and deploy it to <b>%1</b>.").arg(endpointName.toHtmlEscaped()),
        this);
    layout->addWidget(intro);
    auto *form = new QFormLayout();
    m_stage = named(new QLineEdit(stage, this), tr("Stage"), "deployStage");
    m_scope = named(new QComboBox(this), tr("Functions"), "deployScope");
    m_scope->addItem(tr("All functions"), QString());
    for (const QString &f : functions)
        m_scope->addItem(f, f);
    if (const int i = m_scope->findData(function); i >= 0)
        m_scope->setCurrentIndex(i);
    form->addRow(tr("&Stage:"), m_stage);
    form->addRow(tr("&Functions:"), m_scope);
    QString source;
    if (!tree.repository)
        source = tr("The project is not a git repository: no commit will be recorded.");
    else
        source = tr("Commit %1%2 will be recorded with the deployment.")
                     .arg(tree.commit,
                          tree.branch.isEmpty() ? QString() : tr(" on %1").arg(tree.branch));
    form->addRow(tr("Source:"), new QLabel(source, this));
    layout->addLayout(form);
    m_warning = new QLabel(this);
    m_warning->setObjectName("deployWarning");
    m_warning->setWordWrap(true);
    m_warning->setStyleSheet("color: #b06000;");
    m_warning->setVisible(tree.dirty);
    if (tree.dirty)
        m_warning->setText(tr("⚠ The working tree has uncommitted changes. What is deployed will "
                              "not match commit %1, and the deployment will say so. Commit first "
                              "(Git panel) to deploy a commit you can return to.")
                               .arg(tree.commit));
    layout->addWidget(m_warning);
    layout->addWidget(buttons(
        this, tree.dirty ? tr("Deploy with Uncommitted Changes") : tr("Deploy"), &m_deploy));
    connect(m_stage, &QLineEdit::textChanged, this,
            [this](const QString &s) { m_deploy->setEnabled(!s.trimmed().isEmpty()); });
}

QString DeployDialog::stage() const {
    return m_stage->text().trimmed();
}

QString DeployDialog::function() const {
    return m_scope->currentData().toString();
}

AliasDialog::AliasDialog(const QString &function, const QStringList &versions,
                         const Choice *current, QWidget *parent)
    : QDialog(parent) {
    setWindowTitle(current ? tr("Edit Alias") : tr("Create Alias"));
    setObjectName("aliasDialog");
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Alias of <b>%1</b>").arg(function.toHtmlEscaped()), this));
    auto *form = new QFormLayout();
    m_name = named(new QLineEdit(this), tr("Alias name"), "aliasName");
    m_name->setPlaceholderText(tr("e.g. live"));
    m_description = named(new QLineEdit(this), tr("Alias description"), "aliasDescription");
    m_version = named(new QComboBox(this), tr("Version"), "aliasVersion");
    m_second = named(new QComboBox(this), tr("Second version"), "aliasSecondVersion");
    m_version->addItem("$LATEST");
    for (const QString &v : versions) {
        m_version->addItem(v);
        m_second->addItem(v);
    }
    m_version->setCurrentIndex(m_version->count() - 1);
    m_split = named(new QCheckBox(tr("Send part of the traffic to another version"), this),
                    tr("Split traffic"), "aliasSplit");
    m_slider =
        named(new QSlider(Qt::Horizontal, this), tr("Share of the second version"), "aliasSlider");
    m_slider->setRange(0, 100);
    m_slider->setSingleStep(1);
    m_slider->setPageStep(10);
    m_slider->setTickInterval(10);
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_percent = named(new QSpinBox(this), tr("Percent to the second version"), "aliasPercent");
    m_percent->setRange(0, 100);
    m_percent->setSuffix(" %");
    auto *splitRow = new QHBoxLayout();
    splitRow->addWidget(m_second);
    splitRow->addWidget(m_slider, 1);
    splitRow->addWidget(m_percent);
    m_summary = new QLabel(this);
    m_summary->setObjectName("aliasSplitSummary");
    m_gradual = named(new QCheckBox(tr("Shift the weight in steps"), this), tr("Shift in steps"),
                      "aliasGradual");
    m_step = named(new QSpinBox(this), tr("Step"), "aliasStep");
    m_step->setRange(1, 100);
    m_step->setValue(10);
    m_step->setSuffix(" %");
    m_interval = named(new QSpinBox(this), tr("Interval"), "aliasInterval");
    m_interval->setRange(0, 3600);
    m_interval->setValue(60);
    m_interval->setSuffix(tr(" s"));
    auto *gradualRow = new QHBoxLayout();
    gradualRow->addWidget(m_gradual);
    gradualRow->addWidget(new QLabel(tr("by"), this));
    gradualRow->addWidget(m_step);
    gradualRow->addWidget(new QLabel(tr("every"), this));
    gradualRow->addWidget(m_interval);
    gradualRow->addStretch(1);

    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Description:"), m_description);
    form->addRow(tr("&Version:"), m_version);
    form->addRow(QString(), m_split);
    form->addRow(tr("Second version:"), splitRow);
    form->addRow(QString(), m_summary);
    form->addRow(QString(), gradualRow);
    layout->addLayout(form);
    layout->addWidget(buttons(this, current ? tr("Update Alias") : tr("Create Alias"), &m_ok));

    if (current) {
        m_name->setText(current->name);
        m_name->setReadOnly(true);
        m_description->setText(current->description);
        m_version->setCurrentText(current->version);
        if (!current->secondVersion.isEmpty()) {
            m_split->setChecked(true);
            m_second->setCurrentText(current->secondVersion);
            m_slider->setValue(current->percent);
        }
    } else if (m_second->count() > 1) {
        // A canary of the newest version against the one before it, as a default.
        m_version->setCurrentText(versions.at(versions.size() - 2));
        m_second->setCurrentIndex(m_second->count() - 1);
    }
    connect(m_slider, &QSlider::valueChanged, m_percent, &QSpinBox::setValue);
    connect(m_percent, &QSpinBox::valueChanged, m_slider, &QSlider::setValue);
    for (auto *check : {m_split, m_gradual})
        connect(check, &QCheckBox::toggled, this, &AliasDialog::update);
    connect(m_slider, &QSlider::valueChanged, this, &AliasDialog::update);
    connect(m_name, &QLineEdit::textChanged, this, &AliasDialog::update);
    for (auto *combo : {m_version, m_second})
        connect(combo, &QComboBox::currentTextChanged, this, &AliasDialog::update);
    update();
}

void AliasDialog::update() {
    const bool split = m_split->isChecked() && m_second->count() > 0;
    for (QWidget *w : {static_cast<QWidget *>(m_second), static_cast<QWidget *>(m_slider),
                       static_cast<QWidget *>(m_percent), static_cast<QWidget *>(m_gradual)})
        w->setEnabled(split);
    m_step->setEnabled(split && m_gradual->isChecked());
    m_interval->setEnabled(split && m_gradual->isChecked());
    const int p = m_slider->value();
    m_summary->setText(split ? tr("%1% → v%2, %3% → v%4")
                                   .arg(100 - p)
                                   .arg(m_version->currentText())
                                   .arg(p)
                                   .arg(m_second->currentText())
                             : tr("100% → v%1").arg(m_version->currentText()));
    m_ok->setEnabled(!m_name->text().trimmed().isEmpty());
}

AliasDialog::Choice AliasDialog::choice() const {
    Choice c;
    c.name = m_name->text().trimmed();
    c.description = m_description->text();
    c.version = m_version->currentText();
    if (m_split->isChecked() && m_second->count() > 0) {
        c.secondVersion = m_second->currentText();
        c.percent = m_slider->value();
        c.gradual = m_gradual->isChecked();
        c.stepPercent = m_step->value();
        c.intervalSeconds = m_interval->value();
    }
    return c;
}

ConnectionDialog::ConnectionDialog(QWidget *parent)
    : QDialog(parent) {
    setWindowTitle(tr("New Connection"));
    setObjectName("connectionDialog");
    auto *layout = new QVBoxLayout(this);
    auto *form = new QFormLayout();
    m_name = named(new QLineEdit(this), tr("Connection name"), "connectionName");
    m_endpoint = named(new QLineEdit(this), tr("Endpoint URL"), "connectionEndpoint");
    m_endpoint->setPlaceholderText("https://lambda.eu-west-1.amazonaws.com");
    m_awsProfile = named(new QComboBox(this), tr("AWS profile"), "connectionAwsProfile");
    m_awsProfile->addItem(tr("Default credential chain"), QString());
    for (const QString &p : ConnectionProfiles::awsProfiles())
        m_awsProfile->addItem(p, p);
    m_region = named(new QLineEdit(this), tr("Region"), "connectionRegion");
    m_region->setPlaceholderText(tr("from the profile, else us-east-1"));
    form->addRow(tr("&Name:"), m_name);
    form->addRow(tr("&Endpoint URL:"), m_endpoint);
    form->addRow(tr("AWS &profile:"), m_awsProfile);
    form->addRow(tr("&Region:"), m_region);
    layout->addLayout(form);
    auto *note = new QLabel(tr("Credentials are read from the environment and the AWS files "
                               "(~/.aws/credentials, as 'aws configure' writes them) each time; "
                               "the Studio stores none."),
                            this);
    note->setWordWrap(true);
    layout->addWidget(note);
    layout->addWidget(buttons(this, tr("Add Connection"), &m_ok));
    auto check = [this] {
        const QUrl url(m_endpoint->text().trimmed());
        m_ok->setEnabled(!m_name->text().trimmed().isEmpty() && url.isValid() &&
                         (url.scheme() == "http" || url.scheme() == "https") &&
                         !url.host().isEmpty());
    };
    connect(m_name, &QLineEdit::textChanged, this, check);
    connect(m_endpoint, &QLineEdit::textChanged, this, check);
    check();
}

ConnectionProfile ConnectionDialog::profile() const {
    return {m_name->text().trimmed(), m_endpoint->text().trimmed(),
            m_awsProfile->currentData().toString(), m_region->text().trimmed()};
}

} // namespace nimbus::studio
