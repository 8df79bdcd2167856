# The chart (EHR): chart pages, and the patient messages (SMS, WhatsApp, e-mail).
# reviewed: false

## Patient messages (ehr/messages.html)

ehr-msg-title = الرسائل · { $name }
ehr-msg-heading = الرسائل
ehr-msg-intro = الرسائل النصية ورسائل واتساب والبريد الإلكتروني المرسلة إلى المريض، الأحدث أولًا، مع ما أبلغ عنه المزوّد. الرسالة التي لم يوافق عليها المريض تُسجَّل ولا تُرسل.
ehr-msg-none = لم تُرسل أي رسالة إلى هذا المريض.
ehr-msg-no-more = لا مزيد من الرسائل.
ehr-msg-caption = الرسائل إلى المريض
ehr-msg-col-queued = وُضعت في الانتظار ({ $zone })
ehr-msg-col-channel = القناة
ehr-msg-col-to = إلى
ehr-msg-col-subject = الموضوع
ehr-msg-col-status = الحالة
ehr-msg-col-sent = أُرسلت
ehr-msg-col-delivered = سُلِّمت
ehr-msg-col-attempts = المحاولات
ehr-msg-provider = المزوّد: { $status }
ehr-msg-send-heading = إرسال رسالة
ehr-msg-sms-no-phone = رسالة نصية: لا يوجد هاتف مسجَّل
ehr-msg-sms-to = رسالة نصية إلى
ehr-msg-sms-consented = بموافقة
ehr-msg-sms-not-consented = لا موافقة على الرسائل النصية
ehr-msg-whatsapp-consented = واتساب بموافقة
ehr-msg-whatsapp-not-consented = واتساب بلا موافقة
ehr-msg-email-no-address = البريد الإلكتروني: لا يوجد بريد مسجَّل
ehr-msg-email-to = بريد إلكتروني إلى
ehr-msg-email-consented = بموافقة
ehr-msg-email-not-consented = لا موافقة على البريد الإلكتروني
ehr-msg-consent-where = تُسجَّل الموافقة في بيانات المريض.
ehr-msg-language-note = يُكتب القالب بلغة المريض المفضلة إذا كانت ترجمته مراجَعة، وإلا فبلغة المنشأة (أو بالإنجليزية)؛ النص الذي تكتبه يُرسل كما هو.
ehr-msg-template = القالب
ehr-msg-template-hint = يحل القالب محل الموضوع والرسالة أدناه.
ehr-msg-template-none = بلا قالب: اكتب الرسالة أدناه
ehr-msg-body = الرسالة (اختيارية، حتى 600 حرف)
ehr-msg-sms-budget = تُقطع الرسالة النصية عند 4 أجزاء: نحو 600 حرف بالحروف اللاتينية، ونحو 260 حرفًا فقط بالعربية وغيرها.
ehr-msg-queue = وضع الرسالة في الانتظار
ehr-msg-queued = وُضعت الرسالة في الانتظار؛ تظهر حالة تسليمها أدناه.
ehr-msg-no-consent = سُجِّلت الرسالة، لكن المريض لم يوافق على هذه القناة: لن تُرسل.
ehr-msg-err-template = اختر قالبًا من القائمة.
ehr-msg-err-subject = أدخل موضوعًا (يبدأ به نص الرسالة النصية).
ehr-msg-err-subject-max = { $max } حرف بحد أقصى.
ehr-msg-err-body-max = { $max } حرف بحد أقصى.
ehr-msg-err-no-phone = لا يوجد رقم هاتف في السجل؛ أضفه أولًا في بيانات المريض.
ehr-msg-err-no-email = لا يوجد بريد إلكتروني في السجل؛ أضفه أولًا في بيانات المريض.
ehr-msg-err-channel = اختر رسالة نصية أو واتساب أو بريدًا إلكترونيًا.
ehr-msg-channel-sms = رسالة نصية
ehr-msg-channel-whatsapp = واتساب
ehr-msg-channel-email = البريد الإلكتروني
ehr-msg-status-queued = في الانتظار
ehr-msg-status-sent = أُرسلت
ehr-msg-status-delivered = سُلِّمت
ehr-msg-status-failed = فشلت
ehr-msg-status-dead = لم تُسلَّم
ehr-msg-status-not-sent = لم تُرسل (لا مزوّد)
ehr-msg-status-suppressed = لم تُرسل (لا موافقة)

## Patient message templates (patient-facing: sent only in a reviewed language)

ehr-msg-tpl-results-ready-label = النتائج جاهزة
ehr-msg-tpl-results-ready-subject = نتائج فحوصك جاهزة
ehr-msg-tpl-results-ready-body = يُرجى الاتصال بـ { $hospital } لتحديد موعد لمناقشتها.
ehr-msg-tpl-please-call-label = يُرجى الاتصال بنا
ehr-msg-tpl-please-call-subject = يُرجى الاتصال بنا
ehr-msg-tpl-please-call-body = يود { $hospital } التحدث إليك. يُرجى الاتصال بنا خلال ساعات العمل.
ehr-msg-tpl-prescription-ready-label = الوصفة جاهزة
ehr-msg-tpl-prescription-ready-subject = وصفتك جاهزة
ehr-msg-tpl-prescription-ready-body = يمكنك استلامها من صيدلية { $hospital }.

## Chart overview (ehr/chart.html)

ehr-chart-title = الملف الطبي · { $name }
ehr-chart-active-problems = المشكلات النشطة
ehr-chart-no-problems = لا توجد مشكلات نشطة مسجَّلة.
ehr-chart-not-icd-coded = ، بلا رمز ICD
ehr-chart-since = منذ { $date }
ehr-chart-problem-list = قائمة المشكلات
ehr-chart-latest-vitals = أحدث العلامات الحيوية
ehr-chart-warning = تحذير
ehr-chart-no-vitals = لا توجد علامات حيوية مسجَّلة.
ehr-chart-vitals-link = العلامات الحيوية واتجاهاتها
ehr-chart-home-meds = الأدوية المنزلية
ehr-chart-no-meds = لا توجد أدوية منزلية مسجَّلة.
ehr-chart-med-list = قائمة الأدوية
ehr-chart-timeline = التسلسل الزمني
ehr-chart-new-encounter = زيارة جديدة
ehr-chart-new-note = ملاحظة جديدة
ehr-chart-nothing-yet = لم يُسجَّل شيء بعد.
ehr-vital-temp = الحرارة
ehr-vital-pulse = النبض
ehr-vital-bp = ضغط الدم
ehr-vital-resp = التنفس
ehr-vital-spo2 = SpO2
ehr-vital-weight = الوزن
ehr-vital-bmi = مؤشر كتلة الجسم
ehr-vital-pain = الألم
ehr-news2 = NEWS2 { $score } · { $band }
ehr-news2-incomplete = NEWS2 غير مكتمل: لم يُسجَّل { $missing }

## Coded values (keys built from the code: keep them in every language)

ehr-flag-normal = طبيعي
ehr-flag-abnormal = غير طبيعي
ehr-flag-critical = حرج
ehr-news2-band-low = خطورة سريرية منخفضة
ehr-news2-band-low-medium = خطورة سريرية منخفضة إلى متوسطة (معيار واحد سجّل 3)
ehr-news2-band-medium = خطورة سريرية متوسطة
ehr-news2-band-high = خطورة سريرية عالية
ehr-news2-param-respiration-rate = معدل التنفس
ehr-news2-param-spo2 = SpO2
ehr-news2-param-air-or-oxygen = هواء أو أكسجين
ehr-news2-param-systolic-blood-pressure = ضغط الدم الانقباضي
ehr-news2-param-pulse = النبض
ehr-news2-param-consciousness = مستوى الوعي
ehr-news2-param-temperature = الحرارة
ehr-kind-encounter = زيارة
ehr-kind-problem = مشكلة
ehr-kind-allergy = حساسية
ehr-kind-vitals = علامات حيوية
ehr-kind-note = ملاحظة
ehr-kind-medication = دواء
ehr-kind-document = مستند
ehr-kind-immunization = لقاح
ehr-kind-order = طلب
ehr-kind-alert = تنبيه
ehr-status-active = نشط
ehr-status-resolved = محلول
ehr-status-inactive = غير نشط
ehr-status-final = نهائي
ehr-status-signed = موقَّع
ehr-status-draft = مسودة
ehr-status-open = مفتوح
ehr-status-closed = مغلق
ehr-status-normal = طبيعي
ehr-status-abnormal = غير طبيعي
ehr-status-critical = حرج
ehr-status-completed = مكتمل
ehr-status-stopped = متوقف

## Patient summary (ehr/summary.html) and notes (ehr/notes.html)

ehr-summary-print-hint = اطبع هذه الصفحة من المتصفح (Ctrl+P)؛ لا تُطبع أدوات التنقل والأزرار.
ehr-summary-heading = ملخص المريض
ehr-summary-printed = طُبع في { $when } بواسطة { $by }
ehr-summary-nka = لا حساسية معروفة.
ehr-summary-allergies-not-recorded = الحساسية غير مسجَّلة.
ehr-summary-col-code = الرمز
ehr-summary-col-onset = البداية
ehr-summary-not-icd-coded = بلا رمز ICD
ehr-summary-recent-encounters = الزيارات الأخيرة
ehr-summary-none = لا شيء.
ehr-summary-col-date = التاريخ ({ $zone })
ehr-summary-col-department = القسم
ehr-summary-col-clinician = الطبيب
ehr-summary-col-reason = السبب
ehr-summary-signed-notes = الملاحظات الموقَّعة
ehr-summary-signed-by = وقّعها { $name }
ehr-notes-heading = الملاحظات السريرية
ehr-notes-new = { $template } جديدة
ehr-notes-none = لا توجد ملاحظات بعد.
ehr-notes-caption = الملاحظات السريرية، الأحدث أولًا
ehr-notes-col-written = تاريخ الكتابة
ehr-notes-col-title = العنوان
ehr-notes-col-template = القالب
ehr-notes-col-author = الكاتب
ehr-notes-addenda = { $count ->
    [one] +ملحق واحد
    [two] +ملحقان
    [few] +{ $count } ملاحق
   *[other] +{ $count } ملحقًا
}
ehr-note-template-soap = ملاحظة SOAP
ehr-note-template-progress = ملاحظة متابعة
ehr-note-template-procedure = ملاحظة إجراء
ehr-note-template-free = ملاحظة حرة
