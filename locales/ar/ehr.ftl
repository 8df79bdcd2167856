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

## Shared by the chart tabs

ehr-icd10cm = ICD-10-CM
ehr-status-entered-in-error = أُدخل خطأً
ehr-status-planned = مخطط
ehr-status-arrived = وصل
ehr-status-in-progress = قيد التنفيذ
ehr-status-finished = منتهٍ
ehr-status-cancelled = ملغى
ehr-enc-kind-outpatient = عيادة خارجية
ehr-enc-kind-emergency = طوارئ
ehr-enc-kind-inpatient = تنويم
ehr-enc-kind-telephone = هاتفي
ehr-enc-kind-virtual = عن بُعد
ehr-enc-kind-home-visit = زيارة منزلية

## Problem list (ehr/problems.html)

ehr-problems-title = المشكلات · { $name }
ehr-problems-heading = قائمة المشكلات
ehr-problems-none = لا توجد مشكلات مسجلة.
ehr-problems-caption = المشكلات
ehr-problems-col-problem = المشكلة
ehr-problems-col-onset = البداية
ehr-problems-col-status = الحالة
ehr-problems-col-resolved = تاريخ الزوال
ehr-problems-col-recorded-by = سجّلها
ehr-problems-col-change = تغيير
ehr-problems-not-icd-coded = غير مرمّزة بـ ICD
ehr-problems-add-icd = إضافة رمز ICD-10-CM…
ehr-problems-suggested-for = مقترحات لـ «{ $problem }»:
ehr-problems-use = استخدام
ehr-problems-type-icd = أو اكتب رمز ICD-10-CM قابلاً للفوترة
ehr-problems-add-code = إضافة الرمز
ehr-problems-provisional = مبدئي
ehr-problems-rank-badge-primary = تشخيص رئيسي لزيارة
ehr-problems-rank-badge-secondary = تشخيص ثانوي لزيارة
ehr-problems-resolve = إنهاء
ehr-problems-reactivate = إعادة التفعيل
ehr-problems-entered-in-error = أُدخل خطأً
ehr-problems-open-action = { $action }…
ehr-problems-confirm-resolve = تأكيد: إنهاء
ehr-problems-confirm-reactivate = تأكيد: إعادة التفعيل
ehr-problems-confirm-entered-in-error = تأكيد: أُدخل خطأً
ehr-problems-resolve-q = إنهاء
ehr-problems-resolve-q-end = ؟ ستخرج من قائمة المشكلات النشطة.
ehr-problems-error-q = وسم
ehr-problems-error-q-end = بأنها أُدخلت خطأً؟ لا يمكن التراجع عن ذلك.
ehr-problems-reason-required = السبب (مطلوب)
ehr-problems-resolved-on-optional = تاريخ الزوال (اختياري، اليوم افتراضياً)
ehr-problems-reason = السبب:
ehr-problems-new-heading = إضافة مشكلة
ehr-problems-dup-title = { $problem } مشكلة نشطة بالفعل.
ehr-problems-dup-existing = الإدخال الموجود: { $certainty ->
    [provisional] مبدئي
   *[other] مؤكد
}، البداية { $onset }
ehr-problems-dup-comment = ، «{ $comment }»
ehr-problems-dup-recorded = ؛ سُجّل في { $when }.
ehr-problems-dup-recorded-by = ؛ سجّله { $name } في { $when }.
ehr-problems-dup-update = تحديث الإدخال الموجود
ehr-problems-dup-anyway = التسجيل على أي حال…
ehr-problems-dup-why = لماذا تسجيل إدخال ثانٍ؟ (مطلوب)
ehr-problems-dup-record = تسجيل إدخال ثانٍ
ehr-problems-dup-why-code = لماذا تسجيل إدخال ثانٍ بهذا الرمز؟
ehr-problems-browse-icd = تصفح ICD-10-CM
ehr-problems-other-legend = أو: مرمّزة بنظام آخر، أو نص حر (ويكون ICD-10-CM اختيارياً عندئذ)
ehr-problems-system = نظام الترميز
ehr-problems-system-none = — لا شيء (ICD-10-CM أعلاه، أو نص حر) —
ehr-problems-system-snomed = SNOMED CT
ehr-problems-system-other = نظام آخر (اذكر معرّفه URI)
ehr-problems-system-uri = معرّف النظام (URI)
ehr-problems-system-uri-hint = مع «نظام آخر»: معرّف URI لنظام المصدر، مثل http://example.org/codes.
ehr-problems-code = الرمز
ehr-problems-code-hint = SNOMED CT: معرّف المفهوم، مثل 49436004.
ehr-problems-display = المشكلة كما يسمّيها النظام
ehr-problems-display-hint = مطلوب مع نظام آخر؛ ووحده يسجّل المشكلة نصاً حراً.
ehr-problems-onset-date = تاريخ البداية
ehr-problems-resolved-on = تاريخ الزوال
ehr-problems-resolved-on-hint = عند الزوال: تاريخ الزوال (اليوم افتراضياً).
ehr-problems-certainty = درجة التأكد
ehr-problems-certainty-confirmed = مؤكد
ehr-problems-certainty-provisional = مبدئي
ehr-problems-encounter = تشخيص للزيارة
ehr-problems-encounter-none = — لا شيء (قائمة المشكلات فقط) —
ehr-problems-encounter-hint = اختياري: يسجّلها تشخيصاً لهذه الزيارة.
ehr-problems-rank = رتبة التشخيص
ehr-problems-rank-primary = رئيسي
ehr-problems-rank-secondary = ثانوي
ehr-problems-rank-hint = مع زيارة؛ تشخيص رئيسي واحد لكل زيارة.
ehr-problems-comment = تعليق
ehr-problems-submit = إضافة المشكلة

## Allergies (ehr/allergies.html)

ehr-allergies-title = الحساسية · { $name }
ehr-allergies-heading = الحساسية وعدم التحمل
ehr-allergies-record-nka = تسجيل «لا حساسية معروفة»
ehr-allergies-nka = لا حساسية معروفة
ehr-allergies-nka-recorded = مسجّل.
ehr-allergies-not-recorded = الحساسية غير مسجلة
ehr-allergies-not-recorded-hint = اسأل المريض وسجّل الحساسية أو «لا حساسية معروفة».
ehr-allergies-col-substance = المادة
ehr-allergies-col-type = النوع
ehr-allergies-col-reaction = التفاعل
ehr-allergies-col-severity = الشدة والخطورة
ehr-allergies-col-status = الحالة
ehr-allergies-col-recorded = تاريخ التسجيل ({ $zone })
ehr-allergies-col-change = تغيير
ehr-allergies-verification-of = التحقق: { $status }
ehr-allergies-onset = البداية { $date }
ehr-allergies-mark = وسم الحساسية من
ehr-allergies-mark-inactive = بأنها غير نشطة؟ ستخرج من شريط المريض.
ehr-allergies-mark-active = بأنها نشطة؟ ستخرج من شريط المريض.
ehr-allergies-mark-entered-in-error = بأنها أُدخلت خطأً؟ ستخرج من شريط المريض.
ehr-allergies-confirm-inactive = تأكيد: غير نشطة
ehr-allergies-confirm-active = تأكيد: نشطة
ehr-allergies-confirm-entered-in-error = تأكيد: أُدخلت خطأً
ehr-allergies-new-heading = تسجيل حساسية أو عدم تحمل
ehr-allergies-dup-title = حساسية نشطة من { $substance } مسجلة بالفعل.
ehr-allergies-dup-existing = الإدخال الموجود: { $kind }،
ehr-allergies-dup-severity = الشدة
ehr-allergies-dup-reaction = ، التفاعل { $reaction }
ehr-allergies-dup-update = تحديث الإدخال الموجود (الشدة { $severity })
ehr-allergies-dup-why-substance = لماذا تسجيل إدخال ثانٍ لهذه المادة؟
ehr-allergies-substance-coded = المادة (مرمّزة)
ehr-allergies-substance-other = أخرى (اكتبها أدناه)
ehr-allergies-substance-free = المادة (نص حر)
ehr-allergies-category = الفئة (للنص الحر)
ehr-allergies-kind-allergy-option = حساسية
ehr-allergies-kind-intolerance-option = عدم تحمل
ehr-allergies-severity = الشدة
ehr-allergies-optional = — (اختياري)
ehr-allergies-criticality = الخطورة
ehr-allergies-criticality-hint = خطر حدوث تفاعل شديد مستقبلاً (FHIR): منخفضة أو عالية أو يتعذر تقييمها.
ehr-allergies-reaction-severity = شدة التفاعل
ehr-allergies-reaction-severity-hint = مدى شدة التفاعل المذكور أعلاه.
ehr-allergies-verification = التحقق
ehr-allergies-verification-hint = مؤكدة افتراضياً.
ehr-allergies-submit = تسجيل الحساسية
ehr-allergies-kind-allergy = حساسية
ehr-allergies-kind-intolerance = عدم تحمل
ehr-allergies-category-drug = دواء
ehr-allergies-category-food = طعام
ehr-allergies-category-environment = بيئية
ehr-allergies-category-other = أخرى
ehr-allergies-category-medication = دواء
ehr-allergies-category-biologic = منتج حيوي
ehr-allergies-severity-mild = خفيفة
ehr-allergies-severity-moderate = متوسطة
ehr-allergies-severity-severe = شديدة
ehr-allergies-severity-life-threatening = مهددة للحياة
ehr-allergies-reaction-severity-mild = خفيف
ehr-allergies-reaction-severity-moderate = متوسط
ehr-allergies-reaction-severity-severe = شديد
ehr-allergies-criticality-low = منخفضة
ehr-allergies-criticality-high = عالية
ehr-allergies-criticality-unable-to-assess = يتعذر تقييمها
ehr-allergies-verification-unconfirmed = غير مؤكدة
ehr-allergies-verification-confirmed = مؤكدة
ehr-allergies-verification-refuted = مستبعدة
ehr-allergies-verification-entered-in-error = أُدخلت خطأً

## Encounters (ehr/encounters.html)

ehr-enc-none = لا توجد زيارات بعد.
ehr-enc-caption = الزيارات، الأحدث أولاً
ehr-enc-col-start = البداية ({ $zone })
ehr-enc-col-kind = النوع
ehr-enc-col-department = القسم
ehr-enc-col-clinician = الطبيب
ehr-enc-col-reason = السبب
ehr-enc-col-diagnoses = التشخيصات
ehr-enc-col-change = تغيير الحالة
ehr-enc-provisional = ، مبدئي
ehr-enc-ended-at = وقت الانتهاء (اختياري، الآن افتراضياً)
ehr-enc-attending = الطبيب المعالج
ehr-enc-start = البداية
ehr-enc-start-hint = فارغ = الآن
ehr-enc-submit = تسجيل الزيارة
ehr-enc-rank-primary = رئيسي
ehr-enc-rank-secondary = ثانوي

## Home medications (ehr/medications.html)

ehr-meds-intro = ما يتناوله المريض في المنزل. يتم وصف الأدوية في الصيدلية.
ehr-meds-col-medication = الدواء
ehr-meds-col-dose = الجرعة
ehr-meds-col-route = طريقة الإعطاء
ehr-meds-col-frequency = التكرار
ehr-meds-col-start = البدء
ehr-meds-col-stop = الإيقاف
ehr-meds-stop = إيقاف
ehr-meds-stopped-on = تاريخ الإيقاف (اختياري، اليوم افتراضياً)
ehr-meds-new-heading = إضافة دواء منزلي
ehr-meds-start-date = تاريخ البدء
ehr-meds-submit = إضافة الدواء
ehr-meds-route-oral = عن طريق الفم
ehr-meds-route-sublingual = تحت اللسان
ehr-meds-route-inhaled = استنشاق
ehr-meds-route-topical = موضعي
ehr-meds-route-transdermal = عبر الجلد
ehr-meds-route-subcutaneous = تحت الجلد
ehr-meds-route-intramuscular = في العضل
ehr-meds-route-intravenous = في الوريد
ehr-meds-route-rectal = شرجي
ehr-meds-route-nasal = أنفي
ehr-meds-route-ophthalmic = عيني
ehr-meds-route-otic = أذني
ehr-meds-route-vaginal = مهبلي
ehr-meds-route-other = أخرى
ehr-status-not-done = لم يُجرَ
ehr-status-unknown = غير معروف

## Procedures (ehr/procedures.html)

ehr-proc-heading = سجل الإجراءات
ehr-proc-intro = الإجراءات التي خضع لها المريض هنا أو في مكان آخر (تحتفظ الجراحة بسجلات العمليات).
ehr-proc-none = لا توجد إجراءات مسجلة.
ehr-proc-col-procedure = الإجراء
ehr-proc-col-performed = تاريخ الإجراء ({ $zone })
ehr-proc-col-encounter = الزيارة
ehr-proc-col-recorded = تاريخ التسجيل
ehr-proc-by-source = بواسطة { $name } (المصدر)
ehr-proc-new-heading = إضافة إجراء سابق
ehr-proc-system-none = — لا شيء (نص حر) —
ehr-proc-system-cpt = CPT
ehr-proc-system-icd10pcs = ICD-10-PCS
ehr-proc-system-hint = اختياري؛ تقبل الواجهة البرمجية أيضاً معرّف URI الخاص بنظام المصدر.
ehr-proc-code-hint = مثل SNOMED CT 80146002 أو CPT 44950 أو ICD-10-PCS 0DTJ4ZZ.
ehr-proc-performed-start = تاريخ الإجراء (البداية)
ehr-proc-performed-end = الانتهاء (لفترة، اختياري)
ehr-proc-encounter = جزء من زيارة
ehr-proc-encounter-none = — لا شيء —
ehr-proc-an-encounter = زيارة
ehr-proc-optional = اختياري.
ehr-proc-note = ملاحظة
ehr-proc-submit = إضافة الإجراء

## Vital signs (ehr/vitals.html)

ehr-vitals-new-heading = تسجيل العلامات الحيوية
ehr-vitals-measured-at = وقت القياس
ehr-vitals-oxygen = هواء أو أكسجين (NEWS2)
ehr-vitals-consciousness = مستوى الوعي، ACVPU ‏(NEWS2)
ehr-vitals-submit = تسجيل
ehr-vitals-flags-note = تُوسم القراءات غير الطبيعية والحرجة حسب عمر المريض وقت القياس؛ ومقياس NEWS2 ‏(RCP 2017) للبالغين.
ehr-vitals-table-label = جدول العلامات الحيوية (يُمرَّر أفقياً)
ehr-vitals-caption = القياسات، الأحدث أولاً
ehr-vitals-col-time = الوقت ({ $zone })
ehr-vitals-col-assessment = التقييم
ehr-vitals-col-o2 = O2
ehr-vitals-col-acvpu = ACVPU
ehr-vitals-col-height = الطول
ehr-vitals-unit-cm = سم
ehr-vitals-col-by = بواسطة
ehr-vitals-col-oxygen = أكسجين
ehr-vitals-col-air = هواء
ehr-vitals-not-assessed = لم يُقيَّم
ehr-vitals-field-temperature-c = الحرارة
ehr-vitals-field-pulse = النبض
ehr-vitals-field-resp-rate = معدل التنفس
ehr-vitals-field-bp-systolic = الضغط الانقباضي
ehr-vitals-field-bp-diastolic = الضغط الانبساطي
ehr-vitals-field-spo2 = SpO2
ehr-vitals-field-weight-kg = الوزن
ehr-vitals-field-height-cm = الطول
ehr-vitals-field-pain = درجة الألم
ehr-vitals-o2-none = غير مسجل
ehr-vitals-o2-air = هواء (بدون أكسجين إضافي)
ehr-vitals-o2-oxygen = أكسجين إضافي
ehr-vitals-acvpu-none = غير مسجل
ehr-vitals-acvpu-a = A — واعٍ
ehr-vitals-acvpu-c = C — تشوش ذهني جديد
ehr-vitals-acvpu-v = V — يستجيب للصوت
ehr-vitals-acvpu-p = P — يستجيب للألم
ehr-vitals-acvpu-u = U — لا يستجيب

## Documents (ehr/documents.html, ehr/document.html)

ehr-docs-intro = الرسائل والتقارير والصور الممسوحة ونماذج الموافقة المحفوظة لهذا المريض. يُسجَّل كل فتح وتنزيل في سجل التدقيق.
ehr-docs-none = لا توجد مستندات محفوظة.
ehr-docs-caption = المستندات، الأحدث أولاً
ehr-docs-col-title = العنوان
ehr-docs-col-category = الفئة
ehr-docs-col-dated = التاريخ
ehr-docs-col-file = الملف
ehr-docs-col-uploaded = تاريخ الرفع ({ $zone })
ehr-docs-col-actions = الإجراءات
ehr-docs-version-of = الإصدار { $version } من { $count }
ehr-docs-preview = معاينة
ehr-docs-open-pdf = فتح PDF
ehr-docs-download = تنزيل
ehr-docs-new-heading = إضافة مستند
ehr-docs-nothing-stored = لم يُحفظ شيء.
ehr-docs-title-hint = اتركه فارغاً لاستخدام اسم الملف.
ehr-docs-date = تاريخ المستند
ehr-docs-file-hint = { $kinds }، بحد أقصى { $max } MiB.
ehr-docs-submit = رفع المستند
ehr-docs-category-referral-letter = خطاب إحالة
ehr-docs-category-discharge-summary = ملخص الخروج
ehr-docs-category-lab-report = تقرير مختبر
ehr-docs-category-imaging-report = تقرير أشعة
ehr-docs-category-consent-form = نموذج موافقة
ehr-docs-category-correspondence = مراسلات
ehr-docs-category-other = أخرى
ehr-doc-all = → كل المستندات
ehr-doc-showing = المعروض
ehr-doc-version-of = الإصدار { $version } من { $count }
ehr-doc-not-current = ليس الإصدار الحالي
ehr-doc-sha = SHA-256
ehr-doc-open-image = فتح الصورة
ehr-doc-image-alt = { $title }، الإصدار { $version }
ehr-doc-image-caption = { $file }، رُفع في { $when }
ehr-doc-pdf-note = تُفتح ملفات PDF في عارض المتصفح نفسه (علامة تبويب جديدة)، أو يمكنك تنزيلها.
ehr-doc-versions = الإصدارات
ehr-doc-versions-caption = الإصدارات، الأحدث أولاً
ehr-doc-col-version = الإصدار
ehr-doc-current = الحالي
ehr-doc-show = عرض
ehr-doc-new-version = رفع إصدار جديد
ehr-doc-kept = تبقى الإصدارات السابقة دون تغيير.
ehr-doc-what-changed = ما الذي تغيّر
ehr-doc-submit = رفع الإصدار

## ملاحظة، ملاحظة جديدة (ehr/note.html، ehr/note_new.html)

ehr-note-new-heading = ملاحظة جديدة
ehr-note-crumb-new = جديدة
ehr-note-signed-locked = موقَّعة · مقفلة
ehr-note-signed-by = وقّعها
ehr-note-body = الملاحظة
ehr-note-save-draft = حفظ المسودة
ehr-note-sign-open = توقيع الملاحظة…
ehr-note-sign-locks = التوقيع يقفل الملاحظة: لا يمكن تغييرها بعد ذلك، بل تُستكمل بملحق فقط.
ehr-note-save-first = احفظ أي تغييرات على المسودة أولًا.
ehr-note-reviewed = راجعت هذه الملاحظة وأوقّعها
ehr-note-sign-submit = توقيع وقفل
ehr-note-addenda = الملاحق
ehr-note-addendum-by = ملحق بواسطة { $name }، { $when }
ehr-note-add-addendum-heading = إضافة ملحق
ehr-note-addendum = الملحق
ehr-note-add-addendum = إضافة الملحق
ehr-note-all-notes = كل الملاحظات
ehr-note-encounter = الزيارة
ehr-note-encounter-none = — لا شيء —
ehr-note-encrypted = تُخزَّن الملاحظات مشفّرة. الملاحظة الموقّعة مقفلة؛ وتُضاف التصحيحات كملاحق.
ehr-note-save-sign-open = حفظ وتوقيع…
ehr-note-save-sign = حفظ وتوقيع
ehr-note-signed-flash = وُقِّعت الملاحظة.
ehr-note-draft-saved = حُفظت المسودة.
ehr-note-signed-locked-flash = وُقِّعت الملاحظة؛ وهي الآن مقفلة.
ehr-note-addendum-added = أُضيف الملحق.

## بدء الزيارة (ehr/visit_start.html)

ehr-visit-born = تاريخ الميلاد { $date }
ehr-visit-back = العودة إلى المريض
ehr-visit-open = لدى هذا المريض زيارة جارية بالفعل: بدأت في { $when } ({ $zone }){ $place }. أنهِها أو ألغِها قبل بدء زيارة أخرى.
ehr-visit-open-in = في { $department }
ehr-visit-open-with = مع { $clinician }
ehr-visit-department = القسم
ehr-visit-clinician = الطبيب المعالج (اختياري)
ehr-visit-not-assigned = لم يُعيَّن بعد
ehr-visit-reason = سبب الزيارة
ehr-visit-submit = بدء الزيارة (تسجيل الوصول الآن)
ehr-visit-started = بدأت الزيارة: سُجِّل وصول المريض إلى { $department }.
ehr-visit-started-department = بدأت الزيارة: سُجِّل وصول المريض إلى القسم.
ehr-visit-blocked-merged = دُمج هذا السجل في سجل آخر؛ ابدأ الزيارة على السجل الباقي.
ehr-visit-blocked-deceased = المريض مسجَّل كمتوفى.
ehr-visit-blocked-closed = السجل مغلق؛ أعد فتحه قبل بدء زيارة.

## متصفح ICD-10-CM ومنتقي نموذج المشكلات (ehr/icd10*.html)

ehr-icd-heading = ICD-10-CM
ehr-icd-intro = التعديل السريري الأمريكي للتصنيف ICD-10 (FY2026، CDC/NCHS، ملكية عامة). الرموز القابلة للفوترة صالحة في قائمة المشكلات.
ehr-icd-search-region = البحث في ICD-10-CM
ehr-icd-search-label = البحث بالرمز أو الكلمات
ehr-icd-search = بحث
ehr-icd-browse = تصفّح
ehr-icd-all-chapters = كل الفصول
ehr-icd-billable = قابل للفوترة
ehr-icd-heading-badge = عنوان
ehr-icd-no-children = لا رموز تحت هذا الرمز.
ehr-icd-no-match = لا يطابق أي رمز ICD-10-CM «{ $query }».
ehr-icd-used = استُخدم { $count }×
ehr-icd-picker-empty = اكتب رمزًا أو كلمات؛ تظهر رموزك الأخيرة هنا بعد أن تسجّل بعضها.
ehr-icd-picker-no-match = لا يطابق أي رمز قابل للفوترة «{ $query }».
ehr-icd-picker-label = التشخيص (ICD-10-CM)
ehr-icd-picker-hint = اكتب رمزًا (E11.9) أو كلمات، حتى اليومية منها («ضغط الدم المرتفع»)؛ استخدم مفاتيح الأسهم وEnter للاختيار. الرموز القابلة للفوترة فقط؛ تأتي رموزك الأخيرة أولًا.

## لوحات صفحة البداية (ehr/_start_panel.html)

ehr-start-encounters-intro = الزيارات التي أنت طبيبها في { $day }.
ehr-start-encounters-empty = لا زيارات أنت طبيبها اليوم.
ehr-start-notes-intro = مسودات ملاحظاتك، الأقدم أولًا: وقّعها أو تخلّص منها.
ehr-start-notes-empty = لا ملاحظات غير موقّعة: كل ملاحظة كتبتها موقّعة.
ehr-start-observations-intro = مرضاك الذين لم تُقَس علاماتهم الحيوية خلال آخر { $hours } ساعات.
ehr-start-observations-empty = لا قياسات مستحقة: قيست العلامات الحيوية لكل مريض في قائمتك مؤخرًا.
ehr-start-draft-note = مسودة ملاحظة
ehr-start-no-vitals = لا علامات حيوية مسجلة
ehr-start-last-vitals = آخر العلامات الحيوية

## أخطاء النماذج والرفض في هذه الصفحات

ehr-err-note-template = اختر SOAP أو ملاحظة متابعة أو إجراء أو نصًا حرًا.
ehr-err-max-200 = 200 حرف على الأكثر.
ehr-err-note-body = اكتب الملاحظة.
ehr-err-note-encounter-other = هذه الزيارة ليست لهذا المريض.
ehr-err-note-encounter = اختر زيارة من القائمة.
ehr-err-note-title = أدخل عنوانًا من 200 حرف على الأكثر.
ehr-err-note-confirm-new = ضع علامة على «راجعت هذه الملاحظة» لتوقيعها (التوقيع يقفلها)، أو احفظ مسودة.
ehr-err-note-confirm = ضع علامة على «راجعت هذه الملاحظة» لتوقيعها؛ التوقيع يقفلها. لم يُوقَّع شيء.
ehr-err-visit-department = اختر القسم الذي يزوره المريض.
ehr-err-visit-department-open = اختر أحد الأقسام المفتوحة في منشأتك.
ehr-err-visit-reason = أدخل سبب الزيارة (مثل «متابعة الربو»).

# The banner's fixed texts (BannerItem::keyed in crates/ehr).
ehr-banner-not-recorded = غير مسجَّل
ehr-banner-none-active = لا يوجد نشط
ehr-banner-nka = لا حساسية معروفة
ehr-banner-allergies-not-recorded = الحساسية غير مسجَّلة

# The chart tabs' flash messages.
ehr-flash-allergy-recorded = سُجِّلت الحساسية لـ { $substance }.
ehr-flash-nka-recorded = سُجِّل: لا حساسية معروفة.
ehr-flash-allergy-updated = حُدِّثت الحساسية.
ehr-flash-encounter-recorded = سُجِّلت الزيارة.
ehr-flash-added = أُضيف { $name }.
ehr-flash-medication-updated = حُدِّث الدواء.
ehr-flash-problem-updated = حُدِّثت المشكلة.
ehr-flash-problem-coded = رُمِّزت بـ { $label }.
ehr-flash-procedure-added = أُضيف الإجراء { $name }.
ehr-flash-procedure-entered-in-error = وُسم الإجراء بأنه أُدخل خطأً.
ehr-flash-allergy-updated-existing = حُدِّثت الحساسية الموجودة لـ { $substance }.
