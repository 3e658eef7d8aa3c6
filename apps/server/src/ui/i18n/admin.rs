//! Strings of the admin screens: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[
    (
        "admin.who",
        ["Operator", "Operator", "Opérateur", "Người vận hành"],
    ),
    (
        "admin.nav.overview",
        ["Overview", "Übersicht", "Vue d'ensemble", "Tổng quan"],
    ),
    (
        "admin.nav.customers",
        ["Customers", "Kunden", "Clients", "Khách hàng"],
    ),
    ("admin.nav.plans", ["Plans", "Pläne", "Offres", "Gói"]),
    (
        "admin.nav.features",
        ["Features", "Funktionen", "Fonctionnalités", "Tính năng"],
    ),
    (
        "admin.nav.webhooks",
        ["Webhooks", "Webhooks", "Webhooks", "Webhook"],
    ),
    ("admin.nav.audit", ["Audit", "Audit", "Audit", "Nhật ký"]),
    (
        "admin.sign_in.title",
        [
            "Operator console",
            "Betreiberkonsole",
            "Console opérateur",
            "Bảng điều khiển vận hành",
        ],
    ),
    (
        "admin.sign_in.text",
        [
            "Sign in with the operator key to manage plans, customers and billing events.",
            "Melden Sie sich mit dem Betreiberschlüssel an, um Pläne, Kunden und Abrechnungsereignisse zu verwalten.",
            "Connectez-vous avec la clé opérateur pour gérer les offres, les clients et les événements de facturation.",
            "Đăng nhập bằng khóa vận hành để quản lý gói, khách hàng và sự kiện thanh toán.",
        ],
    ),
    (
        "admin.sign_in.key",
        [
            "Operator key",
            "Betreiberschlüssel",
            "Clé opérateur",
            "Khóa vận hành",
        ],
    ),
    (
        "admin.sign_in.hint",
        [
            "TOLLGATE_ADMIN_KEY, or an admin key made with POST /v1/admin/keys.",
            "TOLLGATE_ADMIN_KEY oder ein mit POST /v1/admin/keys erstellter Admin-Schlüssel.",
            "TOLLGATE_ADMIN_KEY, ou une clé admin créée avec POST /v1/admin/keys.",
            "TOLLGATE_ADMIN_KEY, hoặc một khóa admin tạo bằng POST /v1/admin/keys.",
        ],
    ),
    (
        "admin.sign_in.button",
        ["Sign in", "Anmelden", "Se connecter", "Đăng nhập"],
    ),
    (
        "admin.sign_in.wrong",
        [
            "That key is not an operator key.",
            "Dieser Schlüssel ist kein Betreiberschlüssel.",
            "Cette clé n'est pas une clé opérateur.",
            "Khóa này không phải là khóa vận hành.",
        ],
    ),
    (
        "admin.signed_out.title",
        ["Signed out", "Abgemeldet", "Déconnecté", "Đã đăng xuất"],
    ),
    (
        "admin.signed_out.text",
        [
            "Your console session has ended. Sign in again at /admin; nothing was changed.",
            "Ihre Konsolensitzung ist beendet. Melden Sie sich unter /admin erneut an; es wurde nichts geändert.",
            "Votre session de console est terminée. Reconnectez-vous sur /admin ; rien n'a été modifié.",
            "Phiên làm việc đã kết thúc. Hãy đăng nhập lại tại /admin; không có gì bị thay đổi.",
        ],
    ),
    ("admin.filters", ["Filters", "Filter", "Filtres", "Bộ lọc"]),
    ("admin.filters.any", ["Any", "Alle", "Tous", "Tất cả"]),
    (
        "admin.filters.apply",
        ["Apply", "Anwenden", "Appliquer", "Áp dụng"],
    ),
    (
        "admin.form.invalid",
        [
            "Please check the form",
            "Bitte prüfen Sie das Formular",
            "Veuillez vérifier le formulaire",
            "Vui lòng kiểm tra biểu mẫu",
        ],
    ),
    (
        "admin.form.invalid.text",
        [
            "Nothing was saved. Fix these and send the form again:",
            "Es wurde nichts gespeichert. Korrigieren Sie Folgendes und senden Sie das Formular erneut:",
            "Rien n'a été enregistré. Corrigez ceci et renvoyez le formulaire :",
            "Chưa có gì được lưu. Hãy sửa các mục sau rồi gửi lại:",
        ],
    ),
    (
        "admin.col.customer",
        ["Customer", "Kunde", "Client", "Khách hàng"],
    ),
    (
        "admin.col.customers",
        ["Customers", "Kunden", "Clients", "Khách hàng"],
    ),
    ("admin.col.plan", ["Plan", "Plan", "Offre", "Gói"]),
    (
        "admin.col.status",
        ["Status", "Status", "Statut", "Trạng thái"],
    ),
    (
        "admin.col.usage",
        ["Usage", "Nutzung", "Utilisation", "Mức sử dụng"],
    ),
    ("admin.col.mrr", ["MRR", "MRR", "MRR", "MRR"]),
    (
        "admin.col.feature",
        ["Feature", "Funktion", "Fonctionnalité", "Tính năng"],
    ),
    ("admin.col.when", ["When", "Wann", "Quand", "Thời điểm"]),
    (
        "admin.col.action",
        ["Action", "Aktion", "Action", "Hành động"],
    ),
    (
        "admin.col.actor",
        ["Actor", "Akteur", "Acteur", "Người thực hiện"],
    ),
    (
        "admin.col.received",
        ["Received", "Empfangen", "Reçu", "Nhận lúc"],
    ),
    (
        "admin.col.provider",
        ["Provider", "Anbieter", "Fournisseur", "Nhà cung cấp"],
    ),
    ("admin.col.type", ["Type", "Typ", "Type", "Loại"]),
    (
        "admin.col.event",
        ["Event ID", "Ereignis-ID", "ID d'événement", "Mã sự kiện"],
    ),
    ("admin.col.error", ["Error", "Fehler", "Erreur", "Lỗi"]),
    (
        "admin.col.attempts",
        ["Attempts", "Versuche", "Tentatives", "Số lần thử"],
    ),
    (
        "admin.kpi.mrr",
        [
            "Monthly recurring revenue",
            "Monatlich wiederkehrender Umsatz",
            "Revenu mensuel récurrent",
            "Doanh thu định kỳ hàng tháng",
        ],
    ),
    (
        "admin.kpi.customers",
        [
            "{0} customers",
            "{0} Kunden",
            "{0} clients",
            "{0} khách hàng",
        ],
    ),
    (
        "admin.kpi.active",
        [
            "Active subscriptions",
            "Aktive Abonnements",
            "Abonnements actifs",
            "Gói đang hoạt động",
        ],
    ),
    (
        "admin.kpi.past_due",
        [
            "{0} with payment due",
            "{0} mit fälliger Zahlung",
            "{0} en retard de paiement",
            "{0} quá hạn thanh toán",
        ],
    ),
    (
        "admin.kpi.trialing",
        ["In trial", "In der Testphase", "En essai", "Đang dùng thử"],
    ),
    (
        "admin.kpi.locked",
        [
            "{0} locked",
            "{0} gesperrt",
            "{0} verrouillés",
            "{0} bị khóa",
        ],
    ),
    (
        "admin.kpi.churn",
        [
            "Churn (30 days)",
            "Abwanderung (30 Tage)",
            "Attrition (30 jours)",
            "Tỷ lệ rời bỏ (30 ngày)",
        ],
    ),
    (
        "admin.kpi.conversion",
        [
            "Upgrade conversion (30 days)",
            "Upgrade-Konversion (30 Tage)",
            "Conversion payante (30 jours)",
            "Tỷ lệ nâng cấp (30 ngày)",
        ],
    ),
    (
        "admin.kpi.of",
        [
            "{0} of {1} customers",
            "{0} von {1} Kunden",
            "{0} sur {1} clients",
            "{0} trên {1} khách hàng",
        ],
    ),
    (
        "admin.overview.title",
        ["Overview", "Übersicht", "Vue d'ensemble", "Tổng quan"],
    ),
    (
        "admin.overview.lead",
        [
            "The business as of {0}.",
            "Das Geschäft am {0}.",
            "L'activité au {0}.",
            "Tình hình kinh doanh lúc {0}.",
        ],
    ),
    (
        "admin.overview.kpis",
        ["Key figures", "Kennzahlen", "Chiffres clés", "Chỉ số chính"],
    ),
    (
        "admin.overview.other_mrr",
        [
            "MRR in other currencies:",
            "MRR in anderen Währungen:",
            "MRR dans d'autres devises :",
            "MRR bằng các loại tiền khác:",
        ],
    ),
    (
        "admin.overview.by_plan",
        [
            "MRR by plan",
            "MRR nach Plan",
            "MRR par offre",
            "MRR theo gói",
        ],
    ),
    (
        "admin.overview.mrr_by_plan",
        [
            "Monthly recurring revenue by plan, in {0}",
            "Monatlich wiederkehrender Umsatz nach Plan, in {0}",
            "Revenu mensuel récurrent par offre, en {0}",
            "Doanh thu định kỳ hàng tháng theo gói, bằng {0}",
        ],
    ),
    (
        "admin.overview.incidents",
        [
            "Needs attention",
            "Erfordert Aufmerksamkeit",
            "À surveiller",
            "Cần chú ý",
        ],
    ),
    (
        "admin.overview.past_due",
        [
            "Failed payments",
            "Fehlgeschlagene Zahlungen",
            "Paiements échoués",
            "Thanh toán thất bại",
        ],
    ),
    (
        "admin.overview.locked",
        [
            "Locked accounts",
            "Gesperrte Konten",
            "Comptes verrouillés",
            "Tài khoản bị khóa",
        ],
    ),
    (
        "admin.overview.warnings",
        [
            "Recent quota warnings",
            "Aktuelle Kontingentwarnungen",
            "Alertes de quota récentes",
            "Cảnh báo hạn mức gần đây",
        ],
    ),
    (
        "admin.overview.warning",
        [
            "{0} reached {1} %",
            "{0} hat {1} % erreicht",
            "{0} a atteint {1} %",
            "{0} đã đạt {1} %",
        ],
    ),
    (
        "admin.overview.none",
        [
            "Nothing here right now.",
            "Derzeit nichts.",
            "Rien pour le moment.",
            "Hiện không có gì.",
        ],
    ),
    (
        "admin.clock.title",
        [
            "Move the clock",
            "Uhr vorstellen",
            "Avancer l'horloge",
            "Chỉnh đồng hồ",
        ],
    ),
    (
        "admin.clock.text",
        [
            "Demo mode: the engine's time is {0}. Moving it runs every job that falls due on the way (renewals, trial ends, grace expiry).",
            "Demo-Modus: Die Zeit der Engine ist {0}. Beim Vorstellen laufen alle fälligen Aufgaben (Verlängerungen, Testphasenende, Ablauf der Nachfrist).",
            "Mode démo : l'heure du moteur est {0}. L'avancer exécute chaque tâche échue en chemin (renouvellements, fins d'essai, fin de délai de grâce).",
            "Chế độ demo: thời gian của hệ thống là {0}. Khi chỉnh, mọi tác vụ đến hạn sẽ chạy (gia hạn, hết dùng thử, hết thời gian ân hạn).",
        ],
    ),
    (
        "admin.clock.days",
        [
            "Days forward",
            "Tage vorwärts",
            "Jours en avant",
            "Số ngày tiến tới",
        ],
    ),
    (
        "admin.clock.move",
        [
            "Move the clock",
            "Uhr vorstellen",
            "Avancer l'horloge",
            "Chỉnh đồng hồ",
        ],
    ),
    (
        "admin.clock.moved",
        [
            "The clock now reads {0}.",
            "Die Uhr zeigt jetzt {0}.",
            "L'horloge indique maintenant {0}.",
            "Đồng hồ hiện là {0}.",
        ],
    ),
    (
        "admin.clock.invalid",
        [
            "Give a whole number of days from 1 to 400; the clock did not move.",
            "Geben Sie eine ganze Zahl von Tagen zwischen 1 und 400 an; die Uhr wurde nicht verstellt.",
            "Indiquez un nombre entier de jours entre 1 et 400 ; l'horloge n'a pas bougé.",
            "Hãy nhập số ngày nguyên từ 1 đến 400; đồng hồ chưa thay đổi.",
        ],
    ),
    (
        "admin.clock.stale",
        [
            "This form does not say which time it was shown at; reload the overview and try again. The clock did not move.",
            "Dieses Formular gibt nicht an, zu welcher Zeit es angezeigt wurde; laden Sie die Übersicht neu und versuchen Sie es noch einmal. Die Uhr wurde nicht verstellt.",
            "Ce formulaire n'indique pas l'heure à laquelle il a été affiché ; rechargez la vue d'ensemble et réessayez. L'horloge n'a pas bougé.",
            "Biểu mẫu này không cho biết thời điểm nó được hiển thị; hãy tải lại trang tổng quan và thử lại. Đồng hồ chưa thay đổi.",
        ],
    ),
    (
        "admin.customers.title",
        ["Customers", "Kunden", "Clients", "Khách hàng"],
    ),
    (
        "admin.customers.lead",
        [
            "{0} customers, with their plan, usage and revenue.",
            "{0} Kunden mit Plan, Nutzung und Umsatz.",
            "{0} clients, avec leur offre, leur utilisation et leur revenu.",
            "{0} khách hàng, kèm gói, mức sử dụng và doanh thu.",
        ],
    ),
    (
        "admin.customers.empty",
        [
            "No customers yet: your product creates them with POST /v1/customers.",
            "Noch keine Kunden: Ihr Produkt legt sie mit POST /v1/customers an.",
            "Aucun client pour l'instant : votre produit les crée avec POST /v1/customers.",
            "Chưa có khách hàng: sản phẩm của bạn tạo họ bằng POST /v1/customers.",
        ],
    ),
    (
        "admin.usage.of",
        ["{0} of {1}", "{0} von {1}", "{0} sur {1}", "{0} / {1}"],
    ),
    (
        "admin.usage.unlimited",
        [
            "{0} (unlimited)",
            "{0} (unbegrenzt)",
            "{0} (illimité)",
            "{0} (không giới hạn)",
        ],
    ),
    (
        "admin.customer.title",
        ["Customer", "Kunde", "Client", "Khách hàng"],
    ),
    (
        "admin.customer.since",
        [
            "customer since {0}",
            "Kunde seit {0}",
            "client depuis le {0}",
            "khách hàng từ {0}",
        ],
    ),
    (
        "admin.customer.subscription",
        ["Subscription", "Abonnement", "Abonnement", "Gói đăng ký"],
    ),
    (
        "admin.customer.interval",
        ["Billing", "Abrechnung", "Facturation", "Chu kỳ thanh toán"],
    ),
    (
        "admin.customer.period_end",
        [
            "Current period ends",
            "Aktueller Zeitraum endet",
            "Fin de la période en cours",
            "Kỳ hiện tại kết thúc",
        ],
    ),
    (
        "admin.customer.cancels",
        [
            "cancels then",
            "wird dann gekündigt",
            "résiliation à cette date",
            "sẽ hủy khi đó",
        ],
    ),
    (
        "admin.customer.trial_end",
        [
            "Trial ends",
            "Testphase endet",
            "Fin de l'essai",
            "Hết dùng thử",
        ],
    ),
    (
        "admin.customer.grace_ends",
        [
            "Grace period ends",
            "Nachfrist endet",
            "Fin du délai de grâce",
            "Hết thời gian ân hạn",
        ],
    ),
    (
        "admin.customer.change",
        [
            "Scheduled change",
            "Geplante Änderung",
            "Changement prévu",
            "Thay đổi đã lên lịch",
        ],
    ),
    (
        "admin.customer.scheduled",
        ["{0} on {1}", "{0} am {1}", "{0} le {1}", "{0} vào {1}"],
    ),
    (
        "admin.customer.wallet",
        ["Credits", "Guthaben", "Crédits", "Tín dụng"],
    ),
    (
        "admin.customer.no_credits",
        [
            "No credits",
            "Kein Guthaben",
            "Aucun crédit",
            "Không có tín dụng",
        ],
    ),
    (
        "admin.customer.grant",
        [
            "Grant credits",
            "Guthaben gewähren",
            "Accorder des crédits",
            "Cấp tín dụng",
        ],
    ),
    (
        "admin.customer.amount",
        [
            "Amount ({0})",
            "Betrag ({0})",
            "Montant ({0})",
            "Số tiền ({0})",
        ],
    ),
    (
        "admin.customer.expires",
        [
            "Expires after (days, optional)",
            "Läuft ab nach (Tage, optional)",
            "Expire après (jours, facultatif)",
            "Hết hạn sau (ngày, tùy chọn)",
        ],
    ),
    (
        "admin.customer.description",
        [
            "Description (optional)",
            "Beschreibung (optional)",
            "Description (facultatif)",
            "Mô tả (tùy chọn)",
        ],
    ),
    (
        "admin.customer.grant_button",
        [
            "Grant credits",
            "Guthaben gewähren",
            "Accorder les crédits",
            "Cấp tín dụng",
        ],
    ),
    (
        "admin.customer.grant_confirm",
        [
            "Grant these credits to the customer?",
            "Dem Kunden dieses Guthaben gewähren?",
            "Accorder ces crédits au client ?",
            "Cấp số tín dụng này cho khách hàng?",
        ],
    ),
    (
        "admin.customer.granted",
        [
            "Credits granted.",
            "Guthaben gewährt.",
            "Crédits accordés.",
            "Đã cấp tín dụng.",
        ],
    ),
    (
        "admin.customer.entitlements",
        [
            "Entitlements and overrides",
            "Berechtigungen und Ausnahmen",
            "Droits et dérogations",
            "Quyền lợi và ghi đè",
        ],
    ),
    (
        "admin.customer.overrides_hint",
        [
            "An override wins over the plan for this customer only. Leave a field blank to keep the plan's value; write \"unlimited\" to lift a limit.",
            "Eine Ausnahme gilt nur für diesen Kunden und geht dem Plan vor. Leer lassen, um den Wert des Plans zu behalten; \"unlimited\" hebt ein Limit auf.",
            "Une dérogation l'emporte sur l'offre pour ce client seulement. Laissez vide pour garder la valeur de l'offre ; écrivez \"unlimited\" pour lever une limite.",
            "Ghi đè chỉ áp dụng cho khách hàng này và được ưu tiên hơn gói. Để trống để giữ giá trị của gói; nhập \"unlimited\" để bỏ giới hạn.",
        ],
    ),
    (
        "admin.customer.applies",
        ["Applies now", "Gilt jetzt", "En vigueur", "Đang áp dụng"],
    ),
    (
        "admin.customer.override",
        ["Override", "Ausnahme", "Dérogation", "Ghi đè"],
    ),
    (
        "admin.customer.override_for",
        [
            "Override for {0}",
            "Ausnahme für {0}",
            "Dérogation pour {0}",
            "Ghi đè cho {0}",
        ],
    ),
    (
        "admin.customer.plan_default",
        [
            "Plan default",
            "Wie im Plan",
            "Valeur de l'offre",
            "Theo gói",
        ],
    ),
    ("admin.customer.on", ["On", "An", "Activé", "Bật"]),
    ("admin.customer.off", ["Off", "Aus", "Désactivé", "Tắt"]),
    (
        "admin.customer.save_overrides",
        [
            "Save overrides",
            "Ausnahmen speichern",
            "Enregistrer les dérogations",
            "Lưu ghi đè",
        ],
    ),
    (
        "admin.customer.overrides_saved",
        [
            "Overrides saved: the new limits apply now.",
            "Ausnahmen gespeichert: Die neuen Limits gelten ab sofort.",
            "Dérogations enregistrées : les nouvelles limites s'appliquent dès maintenant.",
            "Đã lưu ghi đè: giới hạn mới có hiệu lực ngay.",
        ],
    ),
    (
        "admin.customer.audit",
        [
            "Recent activity",
            "Letzte Aktivitäten",
            "Activité récente",
            "Hoạt động gần đây",
        ],
    ),
    (
        "admin.customer.all_audit",
        [
            "All of this customer's audit entries",
            "Alle Audit-Einträge dieses Kunden",
            "Toutes les entrées d'audit de ce client",
            "Toàn bộ nhật ký của khách hàng này",
        ],
    ),
    ("admin.plans.title", ["Plans", "Pläne", "Offres", "Gói"]),
    (
        "admin.plans.lead",
        [
            "What you sell: prices, limits and features of each plan.",
            "Was Sie verkaufen: Preise, Limits und Funktionen jedes Plans.",
            "Ce que vous vendez : prix, limites et fonctionnalités de chaque offre.",
            "Những gì bạn bán: giá, giới hạn và tính năng của từng gói.",
        ],
    ),
    ("admin.plans.prices", ["Prices", "Preise", "Prix", "Giá"]),
    (
        "admin.plans.features",
        ["Features", "Funktionen", "Fonctionnalités", "Tính năng"],
    ),
    (
        "admin.plans.active",
        ["Active", "Aktiv", "Active", "Đang bán"],
    ),
    (
        "admin.plans.archived_badge",
        ["Archived", "Archiviert", "Archivée", "Đã lưu trữ"],
    ),
    (
        "admin.plans.public",
        ["Public", "Öffentlich", "Publique", "Công khai"],
    ),
    (
        "admin.plans.private",
        ["Private", "Privat", "Privée", "Riêng tư"],
    ),
    (
        "admin.plans.created",
        [
            "Plan {0} created.",
            "Plan {0} angelegt.",
            "Offre {0} créée.",
            "Đã tạo gói {0}.",
        ],
    ),
    (
        "admin.plans.updated",
        [
            "Plan {0} saved.",
            "Plan {0} gespeichert.",
            "Offre {0} enregistrée.",
            "Đã lưu gói {0}.",
        ],
    ),
    (
        "admin.plans.archived",
        [
            "Plan {0} archived: no longer sold; subscribers keep it.",
            "Plan {0} archiviert: nicht mehr im Verkauf; Abonnenten behalten ihn.",
            "Offre {0} archivée : plus vendue ; les abonnés la conservent.",
            "Đã lưu trữ gói {0}: ngừng bán; người đang dùng vẫn giữ gói.",
        ],
    ),
    (
        "admin.plan.new",
        ["New plan", "Neuer Plan", "Nouvelle offre", "Gói mới"],
    ),
    (
        "admin.plan.edit",
        [
            "Edit plan",
            "Plan bearbeiten",
            "Modifier l'offre",
            "Sửa gói",
        ],
    ),
    (
        "admin.plan.edit_named",
        ["Edit {0}", "{0} bearbeiten", "Modifier {0}", "Sửa {0}"],
    ),
    (
        "admin.plan.lead",
        [
            "Changes apply at once to new checkouts and to current subscribers' limits.",
            "Änderungen gelten sofort für neue Bestellungen und die Limits bestehender Abonnenten.",
            "Les modifications s'appliquent aussitôt aux nouveaux achats et aux limites des abonnés actuels.",
            "Thay đổi có hiệu lực ngay với lượt mua mới và giới hạn của người đang dùng.",
        ],
    ),
    ("admin.plan.details", ["Plan", "Plan", "Offre", "Gói"]),
    ("admin.plan.code", ["Code", "Code", "Code", "Mã"]),
    (
        "admin.plan.code_hint",
        [
            "Letters, digits and _ . : @ -; fixed once created.",
            "Buchstaben, Ziffern und _ . : @ -; nach dem Anlegen fest.",
            "Lettres, chiffres et _ . : @ - ; fixé à la création.",
            "Chữ, số và _ . : @ -; không đổi sau khi tạo.",
        ],
    ),
    ("admin.plan.name", ["Name", "Name", "Nom", "Tên"]),
    (
        "admin.plan.description",
        ["Description", "Beschreibung", "Description", "Mô tả"],
    ),
    (
        "admin.plan.priority",
        ["Priority", "Priorität", "Priorité", "Thứ hạng"],
    ),
    (
        "admin.plan.priority_hint",
        [
            "Higher is a higher tier: moving up is an upgrade.",
            "Höher ist eine höhere Stufe: Ein Wechsel nach oben ist ein Upgrade.",
            "Plus élevé = niveau supérieur : monter est une montée en gamme.",
            "Số lớn hơn là gói cao hơn: chuyển lên là nâng cấp.",
        ],
    ),
    (
        "admin.plan.trial_days",
        ["Trial days", "Testtage", "Jours d'essai", "Ngày dùng thử"],
    ),
    (
        "admin.plan.public",
        [
            "Listed on the pricing page",
            "Auf der Preisseite aufgeführt",
            "Affichée sur la page des tarifs",
            "Hiển thị trên trang bảng giá",
        ],
    ),
    ("admin.plan.prices", ["Prices", "Preise", "Prix", "Giá"]),
    (
        "admin.plan.prices_hint",
        [
            "Amounts in major units (49.00 USD, 1190000 VND). Leave a line empty to drop it.",
            "Beträge in Haupteinheiten (49.00 USD, 1190000 VND). Eine leere Zeile entfällt.",
            "Montants en unités principales (49.00 USD, 1190000 VND). Laissez une ligne vide pour la retirer.",
            "Số tiền theo đơn vị chính (49.00 USD, 1190000 VND). Để trống một dòng để bỏ dòng đó.",
        ],
    ),
    (
        "admin.plan.currency",
        ["Currency", "Währung", "Devise", "Tiền tệ"],
    ),
    (
        "admin.plan.interval",
        ["Interval", "Intervall", "Périodicité", "Chu kỳ"],
    ),
    (
        "admin.plan.amount",
        ["Amount", "Betrag", "Montant", "Số tiền"],
    ),
    (
        "admin.plan.entitlements",
        ["Entitlements", "Berechtigungen", "Droits", "Quyền lợi"],
    ),
    (
        "admin.plan.entitlements_hint",
        [
            "Tick what the plan includes. A blank limit is unlimited; overage is a price per unit above a soft limit, in the first price's currency.",
            "Haken Sie an, was der Plan enthält. Ein leeres Limit ist unbegrenzt; Mehrnutzung ist ein Preis pro Einheit über einem weichen Limit, in der Währung des ersten Preises.",
            "Cochez ce que l'offre inclut. Une limite vide est illimitée ; le dépassement est un prix par unité au-delà d'une limite souple, dans la devise du premier prix.",
            "Đánh dấu những gì gói bao gồm. Giới hạn để trống là không giới hạn; phí vượt mức là giá mỗi đơn vị trên giới hạn mềm, theo tiền tệ của giá đầu tiên.",
        ],
    ),
    (
        "admin.plan.grant",
        [
            "Limit or value",
            "Limit oder Wert",
            "Limite ou valeur",
            "Giới hạn hoặc giá trị",
        ],
    ),
    (
        "admin.plan.limit_for",
        [
            "Limit of {0}",
            "Limit für {0}",
            "Limite de {0}",
            "Giới hạn của {0}",
        ],
    ),
    (
        "admin.plan.value_for",
        [
            "Value of {0}",
            "Wert für {0}",
            "Valeur de {0}",
            "Giá trị của {0}",
        ],
    ),
    ("admin.plan.value", ["Value", "Wert", "Valeur", "Giá trị"]),
    (
        "admin.plan.enabled",
        ["Enabled", "Aktiviert", "Activée", "Bật"],
    ),
    (
        "admin.plan.window",
        ["Window", "Zeitfenster", "Fenêtre", "Chu kỳ đếm"],
    ),
    (
        "admin.plan.enforcement",
        ["Enforcement", "Durchsetzung", "Application", "Cách áp dụng"],
    ),
    (
        "admin.plan.hard",
        [
            "Hard (refuse)",
            "Hart (ablehnen)",
            "Stricte (refuser)",
            "Cứng (từ chối)",
        ],
    ),
    (
        "admin.plan.soft",
        [
            "Soft (allow, bill overage)",
            "Weich (zulassen, Mehrnutzung berechnen)",
            "Souple (autoriser, facturer le dépassement)",
            "Mềm (cho phép, tính phí vượt mức)",
        ],
    ),
    (
        "admin.plan.overage",
        [
            "Overage price",
            "Preis Mehrnutzung",
            "Prix du dépassement",
            "Giá vượt mức",
        ],
    ),
    (
        "admin.plan.create",
        ["Create plan", "Plan anlegen", "Créer l'offre", "Tạo gói"],
    ),
    (
        "admin.plan.save",
        [
            "Save plan",
            "Plan speichern",
            "Enregistrer l'offre",
            "Lưu gói",
        ],
    ),
    (
        "admin.plan.archive",
        [
            "Archive plan",
            "Plan archivieren",
            "Archiver l'offre",
            "Lưu trữ gói",
        ],
    ),
    (
        "admin.plan.archive_text",
        [
            "An archived plan is no longer sold or listed; current subscribers keep it.",
            "Ein archivierter Plan wird nicht mehr verkauft oder angezeigt; bestehende Abonnenten behalten ihn.",
            "Une offre archivée n'est plus vendue ni affichée ; les abonnés actuels la conservent.",
            "Gói đã lưu trữ không còn được bán hay hiển thị; người đang dùng vẫn giữ gói.",
        ],
    ),
    (
        "admin.plan.archive_confirm",
        [
            "Archive {0}? It will no longer be sold.",
            "{0} archivieren? Er wird nicht mehr verkauft.",
            "Archiver {0} ? Elle ne sera plus vendue.",
            "Lưu trữ {0}? Gói sẽ không còn được bán.",
        ],
    ),
    (
        "admin.kind.metered",
        ["Metered", "Gezählt", "Mesurée", "Đo đếm"],
    ),
    (
        "admin.kind.gauge",
        ["Gauge", "Füllstand", "Jauge", "Mức hiện tại"],
    ),
    (
        "admin.kind.concurrency",
        [
            "Concurrency",
            "Gleichzeitigkeit",
            "Concurrence",
            "Đồng thời",
        ],
    ),
    (
        "admin.kind.per_request",
        ["Per request", "Pro Anfrage", "Par requête", "Mỗi yêu cầu"],
    ),
    (
        "admin.kind.boolean",
        ["On/off", "An/aus", "Oui/non", "Bật/tắt"],
    ),
    (
        "admin.kind.config",
        ["Setting", "Einstellung", "Réglage", "Cấu hình"],
    ),
    ("admin.window.day", ["Day", "Tag", "Jour", "Ngày"]),
    ("admin.window.week", ["Week", "Woche", "Semaine", "Tuần"]),
    ("admin.window.month", ["Month", "Monat", "Mois", "Tháng"]),
    (
        "admin.window.billing_cycle",
        [
            "Billing cycle",
            "Abrechnungszeitraum",
            "Cycle de facturation",
            "Chu kỳ thanh toán",
        ],
    ),
    (
        "admin.window.lifetime",
        ["Lifetime", "Gesamte Laufzeit", "Durée de vie", "Trọn đời"],
    ),
    (
        "admin.features.title",
        ["Features", "Funktionen", "Fonctionnalités", "Tính năng"],
    ),
    (
        "admin.features.lead",
        [
            "The vocabulary plans and overrides refer to. A feature's kind is fixed once created.",
            "Das Vokabular, auf das sich Pläne und Ausnahmen beziehen. Die Art einer Funktion ist nach dem Anlegen fest.",
            "Le vocabulaire auquel se réfèrent offres et dérogations. Le type d'une fonctionnalité est fixé à sa création.",
            "Danh mục mà gói và ghi đè tham chiếu. Loại của tính năng không đổi sau khi tạo.",
        ],
    ),
    (
        "admin.features.new",
        [
            "New feature",
            "Neue Funktion",
            "Nouvelle fonctionnalité",
            "Tính năng mới",
        ],
    ),
    (
        "admin.features.edit",
        ["Edit", "Bearbeiten", "Modifier", "Sửa"],
    ),
    (
        "admin.features.edit_named",
        ["Edit {0}", "{0} bearbeiten", "Modifier {0}", "Sửa {0}"],
    ),
    ("admin.features.kind", ["Kind", "Art", "Type", "Loại"]),
    (
        "admin.features.kind_fixed",
        [
            "Plans and counters depend on the kind: it cannot change.",
            "Pläne und Zähler hängen von der Art ab: Sie kann sich nicht ändern.",
            "Les offres et les compteurs dépendent du type : il ne peut pas changer.",
            "Gói và bộ đếm phụ thuộc vào loại: không thể thay đổi.",
        ],
    ),
    (
        "admin.features.unit",
        ["Unit", "Einheit", "Unité", "Đơn vị"],
    ),
    (
        "admin.features.description",
        ["Description", "Beschreibung", "Description", "Mô tả"],
    ),
    (
        "admin.features.created",
        [
            "Feature {0} created.",
            "Funktion {0} angelegt.",
            "Fonctionnalité {0} créée.",
            "Đã tạo tính năng {0}.",
        ],
    ),
    (
        "admin.features.updated",
        [
            "Feature {0} saved.",
            "Funktion {0} gespeichert.",
            "Fonctionnalité {0} enregistrée.",
            "Đã lưu tính năng {0}.",
        ],
    ),
    (
        "admin.webhooks.title",
        [
            "Billing events",
            "Abrechnungsereignisse",
            "Événements de facturation",
            "Sự kiện thanh toán",
        ],
    ),
    (
        "admin.webhooks.lead",
        [
            "Every event from the billing provider, newest first. A replay applies an event again; it converges to the same state.",
            "Jedes Ereignis des Zahlungsanbieters, neueste zuerst. Eine Wiederholung wendet ein Ereignis erneut an und führt zum selben Zustand.",
            "Chaque événement du fournisseur de facturation, du plus récent au plus ancien. Rejouer un événement l'applique à nouveau et aboutit au même état.",
            "Mọi sự kiện từ nhà cung cấp thanh toán, mới nhất trước. Chạy lại một sự kiện sẽ áp dụng lại và cho cùng trạng thái.",
        ],
    ),
    (
        "admin.webhooks.empty",
        [
            "No billing events match.",
            "Keine passenden Abrechnungsereignisse.",
            "Aucun événement de facturation ne correspond.",
            "Không có sự kiện thanh toán phù hợp.",
        ],
    ),
    (
        "admin.webhooks.replay",
        ["Replay", "Wiederholen", "Rejouer", "Chạy lại"],
    ),
    (
        "admin.webhooks.replay_named",
        [
            "Replay {0}",
            "{0} wiederholen",
            "Rejouer {0}",
            "Chạy lại {0}",
        ],
    ),
    (
        "admin.webhooks.replay_confirm",
        [
            "Replay event {0}?",
            "Ereignis {0} wiederholen?",
            "Rejouer l'événement {0} ?",
            "Chạy lại sự kiện {0}?",
        ],
    ),
    (
        "admin.webhooks.replayed",
        [
            "Replayed {0}:",
            "{0} wiederholt:",
            "{0} rejoué :",
            "Đã chạy lại {0}:",
        ],
    ),
    (
        "admin.webhooks.status.received",
        ["Received", "Empfangen", "Reçu", "Đã nhận"],
    ),
    (
        "admin.webhooks.status.processed",
        ["Processed", "Verarbeitet", "Traité", "Đã xử lý"],
    ),
    (
        "admin.webhooks.status.failed",
        ["Failed", "Fehlgeschlagen", "Échoué", "Thất bại"],
    ),
    (
        "admin.webhooks.status.ignored",
        ["Ignored", "Ignoriert", "Ignoré", "Bỏ qua"],
    ),
    (
        "admin.webhooks.outcome.processed",
        ["processed.", "verarbeitet.", "traité.", "đã xử lý."],
    ),
    (
        "admin.webhooks.outcome.ignored",
        [
            "ignored (nothing to change).",
            "ignoriert (nichts zu ändern).",
            "ignoré (rien à changer).",
            "bỏ qua (không có gì thay đổi).",
        ],
    ),
    (
        "admin.webhooks.outcome.failed",
        ["failed.", "fehlgeschlagen.", "échec.", "thất bại."],
    ),
    (
        "admin.webhooks.outcome.duplicate",
        [
            "already being processed; try again in a moment.",
            "wird bereits verarbeitet; versuchen Sie es gleich noch einmal.",
            "déjà en cours de traitement ; réessayez dans un instant.",
            "đang được xử lý; hãy thử lại sau giây lát.",
        ],
    ),
    (
        "admin.audit.title",
        [
            "Audit trail",
            "Audit-Protokoll",
            "Journal d'audit",
            "Nhật ký kiểm tra",
        ],
    ),
    (
        "admin.audit.lead",
        [
            "Who changed what, newest first.",
            "Wer was geändert hat, neueste zuerst.",
            "Qui a modifié quoi, du plus récent au plus ancien.",
            "Ai đã thay đổi gì, mới nhất trước.",
        ],
    ),
    (
        "admin.audit.subject",
        ["Subject", "Betreff", "Objet", "Đối tượng"],
    ),
    ("admin.audit.from", ["From", "Von", "Du", "Từ ngày"]),
    ("admin.audit.to", ["To", "Bis", "Au", "Đến ngày"]),
    (
        "admin.audit.change",
        ["Change", "Änderung", "Modification", "Thay đổi"],
    ),
    (
        "admin.audit.empty",
        [
            "No entries match.",
            "Keine passenden Einträge.",
            "Aucune entrée ne correspond.",
            "Không có mục phù hợp.",
        ],
    ),
    (
        "admin.audit.capped",
        [
            "Only the newest {0} entries were searched: older entries from these dates may be missing. Narrow the search by action, subject or actor to reach them.",
            "Nur die neuesten {0} Einträge wurden durchsucht: ältere Einträge aus diesem Zeitraum können fehlen. Grenzen Sie die Suche nach Aktion, Betreff oder Akteur ein, um sie zu finden.",
            "Seules les {0} entrées les plus récentes ont été parcourues : des entrées plus anciennes de ces dates peuvent manquer. Affinez la recherche par action, objet ou acteur pour les atteindre.",
            "Chỉ {0} mục mới nhất đã được tìm: các mục cũ hơn trong khoảng ngày này có thể bị thiếu. Hãy thu hẹp tìm kiếm theo hành động, đối tượng hoặc người thực hiện để thấy chúng.",
        ],
    ),
    ("admin.audit.pages", ["Pages", "Seiten", "Pages", "Trang"]),
    (
        "admin.audit.older",
        [
            "Older entries",
            "Ältere Einträge",
            "Entrées plus anciennes",
            "Mục cũ hơn",
        ],
    ),
    (
        "admin.audit.newer",
        [
            "Newer entries",
            "Neuere Einträge",
            "Entrées plus récentes",
            "Mục mới hơn",
        ],
    ),
    (
        "admin.overview.no_revenue",
        [
            "No recurring revenue yet: it appears here once customers pay for a plan.",
            "Noch kein wiederkehrender Umsatz: Er erscheint hier, sobald Kunden für einen Plan bezahlen.",
            "Pas encore de revenu récurrent : il apparaîtra ici dès que des clients paieront une offre.",
            "Chưa có doanh thu định kỳ: doanh thu sẽ hiện ở đây khi khách hàng trả tiền cho một gói.",
        ],
    ),
    (
        "admin.feature.taken",
        [
            "A feature with the code {0} exists already: edit it from the list.",
            "Ein Feature mit dem Code {0} existiert bereits: Bearbeiten Sie es in der Liste.",
            "Une fonctionnalité avec le code {0} existe déjà : modifiez-la depuis la liste.",
            "Đã có tính năng với mã {0}: hãy sửa nó từ danh sách.",
        ],
    ),
];
