# Hearth: رسائل المنصة (هيكل الصفحة، تسجيل الدخول، التحقق بخطوتين، كلمة المرور، الجلسات،
# حسابي، الأخطاء).
# reviewed: false

app-name = Hearth

## الهيكل

shell-skip-to-content = انتقل إلى المحتوى
shell-menu = القائمة
shell-search-label = البحث العام
shell-search-hint = ابحث عن المرضى والسجلات
shell-search-placeholder = بحث (Ctrl+K)
shell-theme-toggle = التبديل بين المظهر الفاتح والداكن
shell-notifications = الإشعارات
shell-notifications-unread = الإشعارات غير المقروءة:
shell-change-password = تغيير كلمة المرور
shell-sign-out = تسجيل الخروج
shell-nav-main = الرئيسية
shell-breadcrumb = مسار التنقل
shell-home = الصفحة الرئيسية
shell-request = الطلب

## التنقل

nav-home = لوحة المعلومات
nav-patients = المرضى
nav-patients-today = مرضى اليوم
nav-inbox = صندوق النتائج
nav-orders-sets = مجموعات الطلبات
nav-icd10 = ICD-10-CM
nav-alerts = التنبيهات
nav-charges = الرسوم
nav-audit = سجل التدقيق
nav-admin-users = المستخدمون
nav-admin-roles = الأدوار
nav-admin-facilities = المنشآت
nav-admin-security = أحداث الأمان
nav-admin-jobs = المهام والإرسال
nav-admin-webhooks = خطافات الويب
nav-admin-break-glass = الوصول الطارئ
nav-admin-api-clients = عملاء الواجهة البرمجية
nav-notifications = الإشعارات
nav-account = حسابي

## تسجيل الدخول

login-title = تسجيل الدخول
login-heading = تسجيل الدخول إلى Hearth
login-email = البريد الإلكتروني
login-password = كلمة المرور
login-submit = تسجيل الدخول
login-idle-note = تنتهي الجلسة بعد { $minutes } دقيقة دون نشاط. خمس محاولات فاشلة تقفل الحساب لمدة 15 دقيقة.
login-failed = تعذّر تسجيل الدخول: البريد الإلكتروني أو كلمة المرور غير صحيحة، أو الحساب مقفل بعد محاولات فاشلة متكررة. حاول مرة أخرى أو اسأل المسؤول.
login-signed-out = لقد سجّلت الخروج.

## التحقق بخطوتين

mfa-title = رمز التحقق
mfa-heading = أدخل رمز التحقق
mfa-intro = افتح تطبيق المصادقة واكتب الرمز المكوّن من 6 أرقام الخاص بـ Hearth، أو استخدم أحد الرموز الاحتياطية.
mfa-code = الرمز
mfa-verify = تحقّق
mfa-email-instead = أرسل لي رمزًا بالبريد الإلكتروني
mfa-cancel = إلغاء وتسجيل الخروج
mfa-code-wrong = الرمز غير صحيح أو منتهي الصلاحية أو مستخدم من قبل. جرّب أحدث رمز في تطبيقك.
mfa-email-unavailable = رموز البريد الإلكتروني غير متاحة: هذا الخادم لا يرسل بريدًا. استخدم تطبيق المصادقة أو رمزًا احتياطيًا.
mfa-email-failed = تعذّر إرسال الرمز الآن. حاول بعد قليل، أو استخدم تطبيق المصادقة.
mfa-email-sent = أرسلنا رمزًا من 6 أرقام إلى بريدك الإلكتروني. وهو صالح لمدة 10 دقائق.
mfa-setup-heading = التحقق بخطوتين
mfa-backup-heading = رموزك الاحتياطية
mfa-backup-intro = كل رمز يعمل مرة واحدة، عندما لا يكون هاتفك في متناولك. احفظها في مكان آمن: لن تظهر إلا الآن.
mfa-on = التحقق بخطوتين مفعّل.
mfa-on-detail = يطلب تسجيل الدخول رمزًا من تطبيق المصادقة.
mfa-backup-left = { $count ->
    [zero] لم يبقَ أي رمز احتياطي غير مستخدم.
    [one] بقي رمز احتياطي واحد غير مستخدم.
    [two] بقي رمزان احتياطيان غير مستخدمين.
    [few] بقيت { $count } رموز احتياطية غير مستخدمة.
   *[other] بقي { $count } رمزًا احتياطيًا غير مستخدم.
}
mfa-current-code = الرمز الحالي من تطبيقك
mfa-new-backup-codes = إنشاء رموز احتياطية جديدة
mfa-required = يتطلب دورك التحقق بخطوتين. فعّله للمتابعة.
mfa-step-install = ثبّت تطبيق مصادقة (مثل FreeOTP أو Aegis أو Google Authenticator).
mfa-step-scan = امسح هذا الرمز، أو اكتب المفتاح يدويًا.
mfa-step-type = اكتب الرمز المكوّن من 6 أرقام الذي يعرضه التطبيق.
mfa-key = المفتاح:
mfa-app-code = الرمز من التطبيق
mfa-turn-on = تفعيل التحقق بخطوتين

## كلمة المرور

password-heading = تغيير كلمة المرور
password-forced = طلب منك المسؤول تعيين كلمة مرور جديدة قبل المتابعة.
password-current = كلمة المرور الحالية
password-new = كلمة المرور الجديدة (12 حرفًا على الأقل)
password-confirm = أعد كتابة كلمة المرور الجديدة
password-submit = تغيير كلمة المرور
password-current-wrong = كلمة المرور الحالية غير صحيحة.
password-differ = كلمتا المرور الجديدتان غير متطابقتين.
password-reused = استخدمت كلمة المرور هذه مؤخرًا؛ اختر كلمة ليست من آخر { $count } كلمات.
password-changed = تم تغيير كلمة المرور. تم تسجيل الخروج من الجلسات الأخرى.

## انتهاء الجلسة

session-ended-heading = انتهت جلستك
session-ended-drafts = لم يُحفظ شيء من النموذج الذي أرسلته. بعد تسجيل الدخول تعود إليه، ويُعاد ما كتبته.
session-ended-sign-in = سجّل الدخول مرة أخرى
session-ended-title = انتهت الجلسة
session-ended-timeout = انتهت جلستك بعد { $minutes } دقيقة دون نشاط؛ سجّل الدخول مرة أخرى — مسودتك محفوظة في هذا المتصفح.
session-ended-elsewhere = انتهت جلستك (سجّلت الخروج أو أُنهيت من مكان آخر)؛ سجّل الدخول مرة أخرى — مسودتك محفوظة في هذا المتصفح.

## جلساتي

sessions-heading = جلساتي
sessions-revoke-others = تسجيل الخروج من كل الجلسات الأخرى
sessions-none = لا توجد جلسات نشطة.
sessions-caption = الجلسات النشطة
sessions-device = الجهاز
sessions-address = العنوان
sessions-started = البدء ({ $zone })
sessions-last-seen = آخر نشاط
sessions-actions = الإجراءات
sessions-this = هذه الجلسة

## حسابي

account-heading = حسابي
account-email = البريد الإلكتروني
account-roles = الأدوار
account-on = مفعّل
account-off = غير مفعّل
account-active-sessions = الجلسات النشطة
account-language-heading = اللغة
account-language-label = لغة صفحاتك
account-language-facility = لغة منشأتك
account-language-save = حفظ اللغة
account-language-saved = تم حفظ لغتك.
account-language-invalid = اختر إحدى اللغات المعروضة.

## الأخطاء

error-check-fields = راجع هذه الحقول وحاول مرة أخرى:
error-field-sep = :
error-go-home = الذهاب إلى صفحة البداية
error-title-400 = طلب غير صالح
error-title-401 = يلزم تسجيل الدخول
error-title-403 = غير مسموح
error-title-404 = غير موجود
error-title-405 = الطريقة غير مسموح بها
error-title-409 = تعارض
error-title-413 = الطلب كبير جدًا
error-title-415 = نوع المحتوى غير مدعوم
error-title-422 = إدخال غير صالح
error-title-429 = طلبات كثيرة جدًا
error-title-500 = حدث خطأ ما
error-title-503 = الخدمة غير متاحة

## Forms (components/forms.html)

forms-error-summary = { $count ->
    [zero] يرجى تصحيح الحقول المعلَّمة أدناه.
    [one] يرجى تصحيح الحقل المعلَّم أدناه.
    [two] يرجى تصحيح الحقلين المعلَّمين أدناه.
    [few] يرجى تصحيح { $count } حقول معلَّمة أدناه.
   *[other] يرجى تصحيح { $count } حقلًا معلَّمًا أدناه.
}
forms-nothing-saved = لم يُحفظ شيء.
forms-choose = اختر…
forms-not-recorded = غير مسجَّل
forms-none-recorded = لا شيء مسجَّل.
forms-save = حفظ
forms-cancel = إلغاء
forms-remove = إزالة
forms-actions = إجراءات
forms-opens-new-tab = (يُفتح في علامة تبويب جديدة)

## Pager (components/_pager.html): `pager-` and the English label, lower case, spaces as dashes

pager-pagination = التنقل بين الصفحات
pager-next-page = الصفحة التالية
pager-first-page = الصفحة الأولى
pager-older = الأقدم
pager-newest = الأحدث
pager-earlier = الأسبق
pager-latest = الأحدث
pager-older-events = الأحداث الأقدم
pager-newest-events = أحدث الأحداث
pager-older-entries = الإدخالات الأقدم
pager-newest-entries = أحدث الإدخالات
pager-timeline-pages = صفحات التسلسل الزمني
pager-older-results = النتائج الأقدم
pager-older-orders = الطلبات الأقدم
pager-older-alerts = التنبيهات الأقدم
pager-older-jobs = المهام الأقدم
pager-newest-jobs = أحدث المهام

## E-mail and SMS frames (notify): patient-facing where it says so

mfa-email-code-title = رمز تسجيل الدخول
mfa-email-code-body = رمز تسجيل الدخول الخاص بك هو { $code }. صالح لمدة 10 دقائق ويُستخدم مرة واحدة. إن لم تحاول تسجيل الدخول، فأبلغ المسؤول.
notify-email-open = فتح في Hearth
notify-email-footer-user = أُرسلت من Hearth نيابةً عن { $hospital }. تصلك هذه الرسالة بسبب إعدادات الإشعارات لديك؛ غيّرها من الإشعارات > الإعدادات. لا ترد على هذه الرسالة.
notify-email-footer-sign-in = أُرسلت من Hearth نيابةً عن { $hospital } لأن أحدًا يسجّل الدخول إلى حسابك. لا ترد على هذه الرسالة.
notify-email-footer-patient = أُرسلت من { $hospital }. يُرجى عدم الرد على هذه الرسالة؛ للتواصل معنا اتصل بالمستشفى.

## Notifications (notify/list.html, notify/settings.html); the page's title is shell-notifications

notify-settings = الإعدادات
notify-mark-all-read = تعليم الكل كمقروء
notify-none = لا شيء بعد.
notify-urgent = عاجل
notify-unread = (غير مقروء)
notify-mark-read = تعليم كمقروء
notify-marked-read = عُلّم كمقروء.
notify-marked-all-read = عُلّمت كل الإشعارات كمقروءة.
notify-settings-heading = إعدادات الإشعارات
notify-correct-fields = يرجى تصحيح الحقول المشار إليها أدناه.
notify-settings-caption = القنوات لكل نوع من الإشعارات
notify-col-kind = النوع
notify-channel-in_app = داخل Hearth
notify-channel-email = البريد الإلكتروني
notify-channel-sms = SMS
# The kinds' labels: `notify-kind-` and the kind's code with dots as dashes (keep them in every language).
notify-kind-privacy-break_glass = كسر أحدهم الزجاج على سجل مقيّد
notify-kind-orders-countersign = أوامر بانتظار توقيعي المشترك
notify-kind-orders-result = نتائج بانتظار اعتمادي
notify-kind-inpatient-bed_assigned = خُصص سرير لطلب السرير الخاص بك
notify-kind-patient-message = رسالة إلى مريض
notify-kind-alerts-alert = تنبيهات سريرية موجهة إليّ
notify-kind-system-message = رسائل من المسؤولين ومن النظام
notify-sms-number = رقم الجوال للرسائل القصيرة
notify-quiet-hours = ساعات الهدوء ({ $zone }، المنطقة الزمنية لمنشأتك): تنتظر رسائل البريد والرسائل القصيرة غير العاجلة حتى تنتهي
notify-quiet-from = من
notify-quiet-until = حتى
notify-error-sms = أدخل الرقم بالصيغة الدولية، مثل +966501234567.
notify-error-quiet = أدخل الوقتين بصيغة HH:MM (بالتوقيت المحلي) واجعلهما مختلفين، أو اترك كليهما فارغًا.
notify-settings-saved = حُفظت إعدادات الإشعارات الخاصة بك.

## Search (search/page.html, search/suggest.html)

search-heading = بحث
search-all-records = البحث في كل السجلات
search-label = ابحث في كل ما يمكنك رؤيته: المرضى بالاسم أو رقم الملف الطبي أو الهاتف أو رقم الهوية الوطنية أو تاريخ الميلاد
search-nothing = لا شيء يطابق «{ $query }».
search-see-all = عرض كل النتائج في { $group } ←
search-results = نتائج البحث
search-all-results = كل النتائج عن «{ $query }» ←
# Groups' titles: `search-group-` and the module's English title, lower case, spaces as dashes.
search-group-patients = المرضى

# توقيت المنشأة في النماذج (layout/time.html).
time-local = التوقيت المحلي.
time-dst-rule = الوقت الذي تتخطاه الساعات عند تقديمها غير موجود؛ وفي الساعة المتكررة عند تأخيرها يُقصد أول حدوث ما لم تختر الفرق.
time-local-dst = التوقيت المحلي. { time-dst-rule }
time-local-in = الأوقات محلية ({ $zone }).
time-utc-offset = الفرق عن التوقيت العالمي
time-automatic = تلقائي (أول حدوث)
time-offset-matters = يهم فقط في الساعة المتكررة عند تأخير الساعات

# تفاصيل أخطاء المنصة (الصفحات وحقل `detail` في واجهة البرمجة).
error-detail-not-found = لا يوجد شيء في هذا العنوان، أو لا يمكنك رؤيته.
error-detail-forbidden = دورك لا يسمح بهذا. اطلب ذلك من المسؤول إن احتجت إليه.
error-detail-sign-in = يرجى تسجيل الدخول.
error-detail-internal = سُجِّل الخطأ. اذكر معرّف الطلب إن تواصلت مع الدعم.
error-detail-unavailable = تعذّر الوصول إلى قاعدة البيانات. حاول مرة أخرى بعد قليل.
error-detail-busy = الخادم مشغول ولم يتمكن من الرد في الوقت المناسب. حاول مرة أخرى بعد قليل.
error-detail-unreadable = تعذّرت قراءة الطلب. تحقق من الحقول وحاول مرة أخرى.
error-detail-method = هذا العنوان لا يقبل هذه الطريقة.
error-detail-too-large = جسم الطلب كبير جدًا.
error-detail-media-type = أرسل الجسم بصيغة application/json (واجهة البرمجة) أو كنموذج (الصفحات).
error-detail-fields = بعض الحقول ناقصة أو من نوع خاطئ.
error-detail-failed = فشل الطلب.
error-detail-nul = يحتوي الطلب على حرف لا يمكن حفظه (NUL).
error-detail-unique = سيؤدي هذا إلى تكرار سجل موجود (أو سجل حُفظ في اللحظة نفسها).
error-detail-exclusion = هذا يتداخل مع سجل موجود (أو سجل حُفظ في اللحظة نفسها).
error-detail-foreign-key = سجل يشير إليه هذا غير موجود (أو لم يعد موجودًا)، أو ما زالت سجلات أخرى تشير إلى هذا السجل.
error-detail-check = قيمة خارج ما يسمح به هذا السجل.
error-detail-not-null = قيمة مطلوبة مفقودة.
error-detail-data = لا يمكن حفظ قيمة كما أُدخلت (خارج النطاق أو بصيغة خاطئة).
error-detail-state = تغيّر السجل في أثناء ذلك ولم يعد يسمح بهذا؛ أعد التحميل وحاول مرة أخرى.
error-detail-csrf = تعذّر قبول النموذج: بقيت صفحته مفتوحة مدة طويلة، أو انتهت جلستك. أعد تحميل الصفحة (أو سجّل الدخول من جديد) وأرسله مرة أخرى؛ مسودتك محفوظة في هذا المتصفح.

# Navigation entries of the domain modules (`nav` + the entry's path, slashes as dashes).
nav-appointments = المواعيد
nav-appointments-queue = قائمة انتظار العيادات الخارجية
nav-appointments-schedules = جداول العيادات
nav-bednet = شبكة الأسرّة
nav-billing = الفوترة
nav-emar = جولات الأدوية
nav-emergency = الطوارئ
nav-inpatient = لوحة الأسرّة
nav-inpatient-config = الأجنحة والأسرّة
nav-inpatient-housekeeping = التدبير الفندقي
nav-inpatient-placement = تخصيص الأسرّة
nav-insurance-claims = المطالبات
nav-laboratory = المختبر
nav-pharmacy-dispense = الصرف
nav-pharmacy-formulary = دليل الأدوية
nav-pharmacy-stock = مخزون الصيدلية
nav-pharmacy-verify = التحقق
nav-radiology = الأشعة
nav-surgery = غرف العمليات
