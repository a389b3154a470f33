#include "requestpanel.h"

#include "clients/simulatorconnection.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace nimbus::studio {

RequestPanel::RequestPanel(SimulatorConnection *simulator, QWidget *parent)
    : QWidget(parent)
    , m_simulator(simulator) {
    setAccessibleName(tr("Request"));
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 0);
    auto *line = new QHBoxLayout();
    m_method = new QComboBox(this);
    m_method->setAccessibleName(tr("Method"));
    m_method->addItems({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"});
    m_method->setEditable(true);
    m_path = new QLineEdit("/", this);
    m_path->setAccessibleName(tr("Path"));
    m_path->setPlaceholderText(tr("/path"));
    m_send = new QPushButton(tr("Send"), this);
    m_send->setAccessibleName(tr("Send"));
    line->addWidget(m_method);
    line->addWidget(m_path, 1);
    line->addWidget(m_send);
    layout->addLayout(line);
    auto *form = new QFormLayout();
    m_query = new QLineEdit(this);
    m_query->setAccessibleName(tr("Query"));
    m_query->setPlaceholderText(tr("name=value&other=value"));
    form->addRow(tr("&Query:"), m_query);
    layout->addLayout(form);

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName("requestSplitter");
    auto *requestTabs = new QTabWidget(splitter);
    requestTabs->setAccessibleName(tr("Request parts"));
    m_headers = new QTableWidget(8, 2, requestTabs);
    m_headers->setAccessibleName(tr("Headers"));
    m_headers->setHorizontalHeaderLabels({tr("Header"), tr("Value")});
    m_headers->horizontalHeader()->setStretchLastSection(true);
    m_headers->verticalHeader()->hide();
    m_headers->setItem(0, 0, new QTableWidgetItem("content-type"));
    m_headers->setItem(0, 1, new QTableWidgetItem("application/json"));
    m_body = new QPlainTextEdit(requestTabs);
    m_body->setAccessibleName(tr("Body"));
    m_body->setFont(mono);
    m_body->setPlaceholderText(tr("Request body (for POST, PUT, PATCH)"));
    requestTabs->addTab(m_body, tr("Body"));
    requestTabs->addTab(m_headers, tr("Headers"));

    auto *response = new QWidget(splitter);
    auto *responseLayout = new QVBoxLayout(response);
    responseLayout->setContentsMargins(0, 0, 0, 0);
    m_status = new QLabel(tr("Response: no request sent yet"), response);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    responseLayout->addWidget(m_status);
    auto *responseTabs = new QTabWidget(response);
    responseTabs->setAccessibleName(tr("Response parts"));
    m_responseBody = new QPlainTextEdit(responseTabs);
    m_responseBody->setReadOnly(true);
    m_responseBody->setFont(mono);
    m_responseBody->setAccessibleName(tr("Response body"));
    m_responseHeaders = new QPlainTextEdit(responseTabs);
    m_responseHeaders->setReadOnly(true);
    m_responseHeaders->setFont(mono);
    m_responseHeaders->setAccessibleName(tr("Response headers"));
    responseTabs->addTab(m_responseBody, tr("Body"));
    responseTabs->addTab(m_responseHeaders, tr("Headers"));
    responseLayout->addWidget(responseTabs, 1);
    layout->addWidget(splitter, 1);

    connect(m_send, &QPushButton::clicked, this, &RequestPanel::send);
    connect(m_path, &QLineEdit::returnPressed, this, &RequestPanel::send);
}

void RequestPanel::setRequest(const QString &method, const QString &path) {
    m_method->setCurrentText(method == "ANY" || method == "*" ? QStringLiteral("GET") : method);
    QString p = path;
    if (p.isEmpty() || p == "*")
        p = "/";
    // Path parameters ({id}, {proxy+}) need a value: leave a sample the user edits.
    p.replace(QRegularExpression("\\{([^}+]+)\\+?\\}"), "\\1");
    const qsizetype q = p.indexOf('?');
    m_path->setText(q < 0 ? p : p.left(q));
    m_query->setText(q < 0 ? QString() : p.mid(q + 1));
}

void RequestPanel::send() {
    QString target = m_path->text().trimmed();
    if (!target.startsWith('/'))
        target.prepend('/');
    if (!m_query->text().trimmed().isEmpty())
        target += "?" + m_query->text().trimmed();
    QList<QPair<QByteArray, QByteArray>> headers;
    for (int row = 0; row < m_headers->rowCount(); ++row) {
        const auto *name = m_headers->item(row, 0);
        const auto *value = m_headers->item(row, 1);
        if (name && !name->text().trimmed().isEmpty())
            headers.append(
                {name->text().trimmed().toUtf8(), value ? value->text().toUtf8() : QByteArray()});
    }
    m_send->setEnabled(false);
    m_status->setText(tr("Response: sending %1 %2…").arg(m_method->currentText(), target));
    m_simulator->sendHttp(m_method->currentText().toUtf8(), target, headers,
                          m_body->toPlainText().toUtf8(), [this](HttpOutcome outcome) {
                              m_send->setEnabled(true);
                              showOutcome(outcome);
                              emit answered(outcome.status);
                          });
}

void RequestPanel::showOutcome(const HttpOutcome &o) {
    if (o.status == 0) {
        m_status->setText(tr("Response: failed — %1").arg(o.error));
        m_status->setStyleSheet("color: #c01c28;");
        m_responseBody->clear();
        m_responseHeaders->clear();
        return;
    }
    m_status->setText(tr("Response: %1 %2 · %3 ms · %4 bytes")
                          .arg(o.status)
                          .arg(o.reason)
                          .arg(o.elapsedMs)
                          .arg(o.body.size()));
    m_status->setStyleSheet(o.status >= 400 ? "color: #c01c28;" : "color: #26803c;");
    QString headers;
    QByteArray contentType;
    for (const auto &[name, value] : o.headers) {
        headers += QString::fromUtf8(name) + ": " + QString::fromUtf8(value) + "\n";
        if (name.compare("content-type", Qt::CaseInsensitive) == 0)
            contentType = value;
    }
    m_responseHeaders->setPlainText(headers);
    const QJsonDocument json = QJsonDocument::fromJson(o.body);
    m_responseBody->setPlainText(!json.isNull()
                                     ? QString::fromUtf8(json.toJson(QJsonDocument::Indented))
                                     : QString::fromUtf8(o.body));
}

} // namespace nimbus::studio
