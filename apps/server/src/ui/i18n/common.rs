//! Strings shared by every screen: `(key, [en, de, fr, vi])`.

pub const STRINGS: super::Table = &[
    ("nav.pricing", ["Plans", "Pläne", "Offres", "Gói"]),
    (
        "nav.usage",
        ["Usage", "Nutzung", "Utilisation", "Mức sử dụng"],
    ),
    (
        "nav.billing",
        ["Billing", "Abrechnung", "Facturation", "Thanh toán"],
    ),
    (
        "nav.admin",
        ["Console", "Konsole", "Console", "Bảng điều khiển"],
    ),
    ("nav.menu", ["Menu", "Menü", "Menu", "Menu"]),
    (
        "nav.language",
        ["Language", "Sprache", "Langue", "Ngôn ngữ"],
    ),
    (
        "nav.sign_out",
        ["Sign out", "Abmelden", "Se déconnecter", "Đăng xuất"],
    ),
    (
        "nav.skip",
        [
            "Skip to content",
            "Zum Inhalt springen",
            "Aller au contenu",
            "Chuyển đến nội dung",
        ],
    ),
    (
        "common.signed_in_as",
        [
            "Signed in as {0}",
            "Angemeldet als {0}",
            "Connecté en tant que {0}",
            "Đăng nhập với {0}",
        ],
    ),
    (
        "common.demo",
        ["Demo mode", "Demo-Modus", "Mode démo", "Chế độ demo"],
    ),
    (
        "common.unlimited",
        ["Unlimited", "Unbegrenzt", "Illimité", "Không giới hạn"],
    ),
    (
        "common.included",
        ["Included", "Inklusive", "Inclus", "Bao gồm"],
    ),
    (
        "common.not_included",
        [
            "Not included",
            "Nicht enthalten",
            "Non inclus",
            "Không bao gồm",
        ],
    ),
    ("common.save", ["Save", "Speichern", "Enregistrer", "Lưu"]),
    ("common.cancel", ["Cancel", "Abbrechen", "Annuler", "Hủy"]),
    ("common.back", ["Back", "Zurück", "Retour", "Quay lại"]),
    ("common.none", ["None", "Keine", "Aucun", "Không có"]),
    (
        "common.footer",
        [
            "Billing and quotas by Tollgate",
            "Abrechnung und Kontingente mit Tollgate",
            "Facturation et quotas par Tollgate",
            "Thanh toán và hạn mức bởi Tollgate",
        ],
    ),
    (
        "status.active",
        ["Active", "Aktiv", "Actif", "Đang hoạt động"],
    ),
    (
        "status.trialing",
        ["Trial", "Testphase", "Essai", "Dùng thử"],
    ),
    (
        "status.past_due",
        [
            "Payment due",
            "Zahlung fällig",
            "Paiement en retard",
            "Quá hạn thanh toán",
        ],
    ),
    (
        "status.locked",
        ["Locked", "Gesperrt", "Verrouillé", "Bị khóa"],
    ),
    (
        "status.canceled",
        ["Canceled", "Gekündigt", "Résilié", "Đã hủy"],
    ),
    (
        "status.incomplete",
        ["Incomplete", "Unvollständig", "Incomplet", "Chưa hoàn tất"],
    ),
    ("status.none", ["Free", "Kostenlos", "Gratuit", "Miễn phí"]),
    (
        "interval.month",
        ["Monthly", "Monatlich", "Mensuel", "Hàng tháng"],
    ),
    (
        "interval.year",
        ["Yearly", "Jährlich", "Annuel", "Hàng năm"],
    ),
    (
        "interval.per_month",
        ["/ month", "/ Monat", "/ mois", "/ tháng"],
    ),
    ("interval.per_year", ["/ year", "/ Jahr", "/ an", "/ năm"]),
    (
        "error.not_found.title",
        [
            "Page not found",
            "Seite nicht gefunden",
            "Page introuvable",
            "Không tìm thấy trang",
        ],
    ),
    (
        "error.not_found.text",
        [
            "This address leads nowhere.",
            "Diese Adresse führt nirgendwohin.",
            "Cette adresse ne mène nulle part.",
            "Địa chỉ này không dẫn đến đâu.",
        ],
    ),
    (
        "error.generic.title",
        [
            "Something went wrong",
            "Etwas ist schiefgelaufen",
            "Une erreur est survenue",
            "Đã xảy ra lỗi",
        ],
    ),
    (
        "error.generic.text",
        [
            "Try again in a moment. If it keeps happening, contact support with the reference {0}.",
            "Versuchen Sie es gleich noch einmal. Wenn es wieder passiert, nennen Sie dem Support die Referenz {0}.",
            "Réessayez dans un instant. Si cela se reproduit, contactez le support avec la référence {0}.",
            "Vui lòng thử lại sau. Nếu lỗi vẫn xảy ra, hãy liên hệ hỗ trợ với mã {0}.",
        ],
    ),
    (
        "error.forbidden.title",
        [
            "Not allowed",
            "Nicht erlaubt",
            "Non autorisé",
            "Không được phép",
        ],
    ),
    (
        "error.csrf",
        [
            "This form has expired. Reload the page and try again.",
            "Dieses Formular ist abgelaufen. Laden Sie die Seite neu und versuchen Sie es erneut.",
            "Ce formulaire a expiré. Rechargez la page et réessayez.",
            "Biểu mẫu đã hết hạn. Hãy tải lại trang và thử lại.",
        ],
    ),
    (
        "session.needed.title",
        [
            "Sign-in link needed",
            "Anmeldelink erforderlich",
            "Lien de connexion requis",
            "Cần liên kết đăng nhập",
        ],
    ),
    (
        "session.needed.text",
        [
            "Open these pages from the link your product gave you: the link signs you in.",
            "Öffnen Sie diese Seiten über den Link aus Ihrem Produkt: Er meldet Sie an.",
            "Ouvrez ces pages depuis le lien fourni par votre produit : il vous connecte.",
            "Hãy mở các trang này từ liên kết mà sản phẩm của bạn cung cấp: liên kết sẽ đăng nhập cho bạn.",
        ],
    ),
    (
        "session.expired.title",
        [
            "This link has expired",
            "Dieser Link ist abgelaufen",
            "Ce lien a expiré",
            "Liên kết đã hết hạn",
        ],
    ),
    (
        "session.expired.text",
        [
            "Sign-in links work for a limited time. Ask for a new one from the product you came from.",
            "Anmeldelinks gelten nur kurze Zeit. Fordern Sie in Ihrem Produkt einen neuen an.",
            "Les liens de connexion sont valables peu de temps. Demandez-en un nouveau dans votre produit.",
            "Liên kết đăng nhập chỉ có hiệu lực trong thời gian ngắn. Hãy yêu cầu liên kết mới từ sản phẩm của bạn.",
        ],
    ),
    (
        "demo.title",
        [
            "Try Tollgate",
            "Tollgate ausprobieren",
            "Essayer Tollgate",
            "Dùng thử Tollgate",
        ],
    ),
    (
        "demo.lead",
        [
            "Demo mode: fake billing, a clock you can move, and a demo customer to sign in as.",
            "Demo-Modus: simulierte Abrechnung, eine verstellbare Uhr und ein Demo-Kunde zum Anmelden.",
            "Mode démo : facturation simulée, une horloge réglable et un client de démonstration.",
            "Chế độ demo: thanh toán giả lập, đồng hồ có thể chỉnh và một khách hàng demo để đăng nhập.",
        ],
    ),
    (
        "demo.as_customer",
        [
            "As a customer",
            "Als Kunde",
            "En tant que client",
            "Với vai trò khách hàng",
        ],
    ),
    (
        "demo.as_customer.text",
        [
            "Your product would send its users here with a session link. Pick a role of the demo customer's team:",
            "Ihr Produkt schickt seine Nutzer mit einem Sitzungslink hierher. Wählen Sie eine Rolle im Team des Demo-Kunden:",
            "Votre produit enverrait ses utilisateurs ici avec un lien de session. Choisissez un rôle dans l'équipe du client de démonstration :",
            "Sản phẩm của bạn sẽ đưa người dùng đến đây bằng liên kết phiên. Chọn một vai trò trong nhóm của khách hàng demo:",
        ],
    ),
    (
        "demo.owner",
        [
            "Open as owner",
            "Als Inhaber öffnen",
            "Ouvrir en tant que propriétaire",
            "Mở với vai trò chủ sở hữu",
        ],
    ),
    (
        "demo.admin",
        [
            "Open as admin",
            "Als Admin öffnen",
            "Ouvrir en tant qu'admin",
            "Mở với vai trò quản trị",
        ],
    ),
    (
        "demo.member",
        [
            "Open as member",
            "Als Mitglied öffnen",
            "Ouvrir en tant que membre",
            "Mở với vai trò thành viên",
        ],
    ),
    (
        "demo.as_operator",
        [
            "As the operator",
            "Als Betreiber",
            "En tant qu'opérateur",
            "Với vai trò nhà vận hành",
        ],
    ),
    (
        "demo.as_operator.text",
        [
            "The console manages plans, customers, webhooks and the audit trail. Sign in with the admin key the server printed at its first start.",
            "Die Konsole verwaltet Pläne, Kunden, Webhooks und das Prüfprotokoll. Melden Sie sich mit dem Admin-Schlüssel an, den der Server beim ersten Start ausgegeben hat.",
            "La console gère les offres, les clients, les webhooks et le journal d'audit. Connectez-vous avec la clé admin affichée au premier démarrage du serveur.",
            "Bảng điều khiển quản lý gói, khách hàng, webhook và nhật ký kiểm toán. Đăng nhập bằng khóa quản trị mà máy chủ in ra ở lần khởi động đầu tiên.",
        ],
    ),
];
