# التنبيهات السريرية: الشريط، القوائم، صفحة التنبيه، قوائم المناوبة، تكليفات التمريض، سلاسل التصعيد.
# reviewed: false

## Banner and start-page panels
alerts-banner-title = { $count ->
    [one] تنبيه واحد يحتاج إلى إقرارك
    [two] تنبيهان يحتاجان إلى إقرارك
   *[other] { $count } من التنبيهات تحتاج إلى إقرارك
}
alerts-banner-all = جميع التنبيهات المفتوحة ({ $count })
alerts-all = جميع التنبيهات
alerts-ward-assignments = تكليفات الجناح
alerts-panel-no-alerts = لا توجد تنبيهات مفتوحة موجهة إليك.
alerts-panel-no-patients = لا يوجد مرضى مكلّف بهم في هذه المناوبة.
alerts-no-ward = لم يُحدَّد جناح
alerts-until = حتى
alerts-restricted = سجل مقيّد

## Lists
alerts-heading = التنبيهات
alerts-filter-whose = لمن
alerts-filter = تصفية
alerts-filter-clear = مسح
alerts-any = أي
alerts-none-match = لا توجد تنبيهات مطابقة لهذه المرشحات.
alerts-caption = التنبيهات، الأحدث أولاً
alerts-col-raised = صدر ({ $zone })
alerts-col-severity = الخطورة
alerts-col-alert = التنبيه
alerts-col-patient = المريض
alerts-col-status = الحالة
alerts-col-acknowledged = أُقرّ
alerts-col-time-to-ack = الوقت حتى الإقرار
alerts-step-n = الخطوة { $step }
alerts-duration-s = { $s } ث
alerts-duration-min = { $min } د
alerts-duration-h-min = { $h } س { $min } د
alerts-patient-none = لا توجد تنبيهات عن هذا المريض.
alerts-patient-region = التنبيهات عن المريض
alerts-patient-caption = التنبيهات عن المريض، الأحدث أولاً

## Nurse assignments
alerts-assignments-heading = تكليفات التمريض
alerts-assignments-intro = الممرضون المكلّفون بالمرضى للمناوبة الحالية والتالية في منشآتك. كلّف من تبويب التنبيهات للمريض.
alerts-assignments-none = لا يوجد ممرض مكلّف الآن أو لاحقًا.
alerts-assignments-caption = تكليفات التمريض حسب الجناح والممرض
alerts-col-ward = الجناح
alerts-col-nurse = الممرض
alerts-col-from = من ({ $zone })
alerts-col-to = إلى
alerts-col-change = تغيير
alerts-on-shift = في المناوبة
alerts-end-now = إنهاء الآن
alerts-nurses-heading = الممرضون المكلّفون
alerts-nurses-none = لا يوجد ممرض مكلّف للمناوبة الحالية أو التالية.
alerts-nurses-caption = تكليفات التمريض الحالية والقادمة
alerts-assign-heading = تكليف ممرض لمناوبة
alerts-from = من
alerts-at-most-24-hours = 24 ساعة كحد أقصى
alerts-assign = تكليف
alerts-assigned-done = تم تكليف الممرض للمناوبة.
alerts-assignment-ended = انتهى التكليف.

## On call
alerts-on-call-heading = المناوبة
alerts-on-call-intro = من يتولى كل مهمة، حسب المنشأة والقسم (قائمة القسم أولاً ثم قائمة المنشأة). تُصعَّد التنبيهات إليهم وفق سلاسلها.
alerts-on-call-none = لا أحد مناوب الآن أو لاحقًا في منشآتك.
alerts-on-call-lists = قوائم المناوبة
alerts-on-call-caption = المناوبون الآن ولاحقًا، حسب البداية
alerts-col-duty = المهمة
alerts-col-who = من
alerts-col-facility = المنشأة
alerts-col-department = القسم
alerts-col-note = ملاحظة
alerts-now = الآن
alerts-whole-facility = المنشأة كلها
alerts-on-call-new-heading = إضافة مناوب
alerts-at-most-7-days = 7 أيام كحد أقصى
alerts-on-call-note-hint = كيفية الوصول إليه (جهاز النداء، الهاتف)؛ اختياري.
alerts-add = إضافة
alerts-on-call-added = أُضيف إلى قائمة المناوبة.
alerts-on-call-ended = انتهت المناوبة؛ تُصعَّد التنبيهات التي بقيت بلا أحد.

## An alert
alerts-about = حول
alerts-col-kind = النوع
alerts-raised = صدر
alerts-after = بعد { $time }
alerts-read-back-note = ملاحظة التأكيد
alerts-cancelled = أُلغي
alerts-acknowledge = إقرار
alerts-read-back-required = مطلوبة: ما قرأته للتأكيد أو ما فعلته (مثلاً القيمة المقروءة، المراجعة المرتبة).
alerts-read-back-optional = اختيارية: ما قرأته للتأكيد أو ما فعلته.
alerts-acknowledged-done = تم الإقرار. توقف التصعيد.
alerts-chain-heading = سلسلة التصعيد
alerts-chain-step-to-ack = { $min } د للإقرار
alerts-steps-none = لم تُفعَّل أي خطوة بعد.
alerts-steps-caption = الخطوات المفعّلة ومن أُبلغ
alerts-col-step = الخطوة
alerts-col-time = الوقت ({ $zone })
alerts-col-why = السبب
alerts-col-told = أُبلغ
alerts-nobody = لا أحد لإبلاغه

## Escalation chains
alerts-chains-heading = سلاسل التصعيد
alerts-chains-intro = كل نوع من التنبيهات التي تصدرها الوحدات، ومن يصل إليه ما دام لم يُقرّ به أحد. يحتفظ التنبيه بالسلسلة التي صدر بها.
alerts-chains-none = لا توجد وحدة تعلن نوع تنبيه.
alerts-chains-caption = أنواع التنبيهات وسلاسلها
alerts-col-chain = السلسلة
alerts-chain-step-minutes = { $min } د
alerts-chain-changed = معدّلة عن الافتراضية
alerts-chain-default = الافتراضية
alerts-edit = تعديل
alerts-chain-intro = خطوة بخطوة: من يصل إليه التنبيه وكم دقيقة لديه للإقرار قبل الخطوة التالية. الخطوة التي لا أحد فيها لإبلاغه (لا طبيب معالج، لا مناوب) تمر فورًا؛ ومن تنتهي مناوبته يمررها مبكرًا. دقائق الخطوة الأخيرة لا تُستخدم.
alerts-chain-whom = لمن
alerts-chain-minutes = الدقائق
alerts-chain-reset = العودة إلى السلسلة الافتراضية
alerts-chain-no-step = — (لا خطوة)
alerts-chain-saved = حُفظت. التنبيهات الصادرة من الآن تتبع هذه السلسلة.
alerts-chain-reset-done = تمت العودة إلى السلسلة الافتراضية.

## Coded values (keys built from the code: keep them in every language)
alerts-severity-info = معلومة
alerts-severity-warning = تحذير
alerts-severity-critical = حرج
alerts-status-open = مفتوح
alerts-status-escalated = مُصعَّد
alerts-status-acknowledged = مُقَرّ
alerts-status-cancelled = ملغى
alerts-filter-status-open = مفتوحة
alerts-filter-status-escalated = مُصعَّدة
alerts-filter-status-acknowledged = مُقَرّة
alerts-filter-status-cancelled = ملغاة
alerts-filter-status-all = الكل
alerts-filter-scope-mine = موجهة إليّ
alerts-filter-scope-facility = منشآتي
alerts-duty-doctor = الطبيب المناوب
alerts-duty-charge-nurse = الممرض المسؤول
alerts-duty-consultant = الاستشاري المناوب
alerts-duty-pharmacist = الصيدلي المناوب
alerts-duty-other = مناوب: { $duty }
alerts-addressee-given = الشخص الذي يسمّيه التنبيه
alerts-addressee-attending = الطبيب المعالج
alerts-addressee-assigned-nurse = الممرض المكلّف
alerts-addressee-fallback = مديرو التنبيهات (لم يُعثر على أحد غيرهم)
alerts-reason-raised = صدر
alerts-reason-timeout = لم يُقرّ في الوقت
alerts-reason-off-shift = انتهت مناوبة المستلم
alerts-reason-nobody = لا أحد لإبلاغه في الخطوة السابقة
alerts-kind-ehr-vitals = تدهور العلامات الحيوية (قراءة حرجة، أو NEWS2 بقيمة 5 أو أكثر، أو 3 في معيار واحد)
alerts-kind-emar-overdue-dose = جرعة دواء متأخرة
alerts-kind-emergency-clinician-wait = مريض طوارئ ينتظر طبيبًا بعد هدف ESI
alerts-kind-emergency-length-of-stay = مدة البقاء في الطوارئ تجاوزت الهدف
alerts-kind-immunizations-reaction = تفاعل ضار فوري للقاح
alerts-kind-laboratory-critical-value = قيمة مخبرية حرجة
alerts-kind-radiology-critical-finding = موجودة تصوير حرجة
