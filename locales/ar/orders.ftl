# الأوامر: تبويب الأوامر في الملف، نموذج الأمر وصفحته، مجموعات الأوامر، صندوق النتائج.
# reviewed: false

## Start-page panels
orders-panel-countersign = { $count ->
    [one] أمر شفهي أو هاتفي واحد أُدخل نيابةً عنك ينتظر توقيعك المصادق.
    [two] أمران شفهيان أو هاتفيان أُدخلا نيابةً عنك ينتظران توقيعك المصادق.
   *[other] { $count } من الأوامر الشفهية أو الهاتفية أُدخلت نيابةً عنك تنتظر توقيعك المصادق.
}
orders-panel-results = { $count ->
    [one] نتيجة واحدة تنتظر اعتمادك.
    [two] نتيجتان تنتظران اعتمادك.
   *[other] { $count } من النتائج تنتظر اعتمادك.
}
orders-panel-released = صدرت { $time }
orders-panel-covering = نيابةً عن { $name }
orders-open-inbox = افتح صندوق الوارد
orders-by = بواسطة { $name }
orders-entered-by = أدخله { $name }

## Inbox
orders-inbox-heading = صندوق الوارد
orders-countersign-heading = أوامر تنتظر التوقيع المصادق
orders-countersign-none = لا يوجد أمر شفهي أو هاتفي ينتظر توقيعك المصادق.
orders-countersign-caption = الأوامر الشفهية والهاتفية المدخلة نيابةً عنك، الأحدث أولاً
orders-col-entered = أُدخل ({ $zone })
orders-col-patient = المريض
orders-col-order = الأمر
orders-col-how = الطريقة
orders-col-countersign = توقيع مصادق
orders-countersign = توقيع مصادق
orders-signed-off-heading = نتائج معتمدة
orders-to-sign-off-heading = نتائج تنتظر الاعتماد
orders-signed-off-none = لا توجد نتيجة معتمدة بعد.
orders-to-sign-off-none = لا شيء ينتظر اعتمادك.
orders-released-caption = النتائج الصادرة، الأحدث أولاً
orders-col-released = صدرت ({ $zone })
orders-col-result = النتيجة
orders-col-signed-off = اعتُمدت
orders-covering-badge = نيابةً عن { $name }
orders-note-optional = ملاحظة (اختيارية)
orders-sign-off = اعتماد
orders-signed-off-done = تم اعتماد النتيجة.
orders-away-heading = الغياب
orders-away-until = أنت غائب حتى
orders-away-cover = { $name } ينوب عنك ويستلم نتائجك.
orders-away-back = لقد عدت
orders-away-hint = أثناء غيابك، تذهب النتائج الصادرة لأوامرك إلى الزميل الذي ينوب عنك، وتنتقل إليه النتائج المنتظرة هنا.
orders-away-until-label = غائب حتى
orders-covered-by = ينوب عني
orders-away-change = تغيير
orders-away-mark = سجّلني غائبًا
orders-away-set = تم تسجيلك غائبًا؛ تذهب النتائج الجديدة إلى من ينوب عنك.
orders-away-set-moved = تم تسجيلك غائبًا؛ نُقلت { $count } نتيجة (نتائج) منتظرة إلى من ينوب عنك.
orders-away-cleared = مرحبًا بعودتك: تصلك النتائج الجديدة من جديد.

## The Orders tab
orders-tab-heading = الأوامر
orders-order-kind = طلب { $kind }
orders-set-item-count = { $count ->
    [one] عنصر واحد
    [two] عنصران
   *[other] { $count } عناصر
}
orders-filter-show = عرض
orders-filter-open = الأوامر المفتوحة (مسودة، نشطة، معلقة)
orders-filter-all = جميع الأوامر
orders-filter-all-kinds = جميع الأنواع
orders-filter = تصفية
orders-filter-clear = مسح
orders-none-open = لا توجد أوامر مفتوحة.
orders-none = لا توجد أوامر.
orders-tab-caption = الأوامر، الأحدث أولاً
orders-col-requested = طُلب ({ $zone })
orders-col-kind = النوع
orders-col-status = الحالة
orders-col-progress = التقدم
orders-col-ordered-by = طلبه
orders-awaiting-countersignature = ينتظر التوقيع المصادق

## The order form
orders-new-heading = أمر جديد
orders-new-kind-heading = أمر جديد: { $kind }
orders-what = ما المطلوب
orders-priority = الأولوية
orders-encounter = الزيارة
orders-optional = اختياري.
orders-indication = الدواعي السريرية
orders-entry-legend = كيف يُعطى الأمر؟
orders-prescriber = الواصف (أمر شفهي أو هاتفي)
orders-prescriber-hint = من أعطى الأمر؛ وهو من يوقّعه توقيعًا مصادقًا.
orders-read-back = قرأت الأمر على الواصف فأكّده.
orders-place = إصدار الأمر
orders-orderable-none = لا يتاح لك أي نوع من الأوامر.
orders-placed-on-behalf = صدر الأمر؛ وهو ينتظر توقيع الواصف المصادق.
orders-draft-saved = حُفظت مسودة الأمر؛ وقّعها لتفعيلها.
orders-placed-signed = صدر الأمر ووُقّع.

## The order's page
orders-entry = الإدخال
orders-read-back-done = قُرئ على الواصف وأُكّد
orders-signed = وُقّع
orders-countersigned = وُقّع توقيعًا مصادقًا
orders-not-yet = ليس بعد
orders-started = بدأ
orders-completed = اكتمل
orders-sign = توقيع الأمر
orders-resume = استئناف
orders-hold-open = تعليق…
orders-hold-reason = لماذا عُلّق الأمر؟
orders-hold = تعليق
orders-revoke-open = إلغاء…
orders-revoke-reason = لماذا أُلغي الأمر؟
orders-revoke = إلغاء
orders-error-open = أُدخل خطأً…
orders-error-reason = ما الخطأ في هذا الأمر؟
orders-error = وسم كمُدخل خطأً
orders-results-heading = النتائج
orders-results-none = لم تصدر أي نتيجة.
orders-col-inbox-of = صندوق وارد
orders-waiting = بانتظار
orders-all = جميع الأوامر
orders-countersigned-done = تم التوقيع المصادق على الأمر.
orders-done-sign = تم توقيع الأمر.
orders-done-hold = الأمر معلّق.
orders-done-resume = الأمر نشط من جديد.
orders-done-revoke = أُلغي الأمر.
orders-done-error = وُسم الأمر كمُدخل خطأً.

## Order sets
orders-sets-heading = مجموعات الأوامر
orders-sets-intro = مجموعات مسمّاة من الأوامر يفتحها الطبيب على مريض ويعدّلها ويوقّعها دفعة واحدة (تصدر كلها في معاملة واحدة).
orders-sets-none = لا توجد مجموعات أوامر بعد.
orders-sets-caption = مجموعات الأوامر حسب الاسم
orders-set-name = الاسم
orders-set-items-heading = العناصر
orders-set-active = نشطة
orders-set-retired-badge = متقاعدة
orders-sets-new-heading = مجموعة أوامر جديدة
orders-sets-name-hint = مثلاً "فحوص ألم الصدر".
orders-set-description = الوصف
orders-sets-create = إنشاء
orders-set-created = أُنشئت مجموعة الأوامر؛ أضف عناصرها.
orders-set-title = مجموعة أوامر
orders-set-heading = مجموعة أوامر: { $name }
orders-set-items-none = لا توجد عناصر بعد: أضف الأوامر التي تصدرها المجموعة.
orders-set-items-caption = عناصر المجموعة بالترتيب
orders-set-kind-gone = { $kind } (لم يعد متاحًا)
orders-set-add-heading = إضافة عنصر
orders-col-code = الرمز
orders-set-code-hint = رمز من دليل هذا النوع؛ ابدأ الكتابة لتظهر الاقتراحات.
orders-set-default-priority = الأولوية الافتراضية
orders-set-default-indication = الدواعي الافتراضية
orders-set-add = إضافة
orders-set-details-heading = الاسم والحالة
orders-set-active-label = نشطة (تُعرض على الأطباء)
orders-sets-all = جميع مجموعات الأوامر
orders-set-saved = حُفظت مجموعة الأوامر.
orders-set-item-added = أُضيف العنصر.
orders-set-item-removed = أُزيل العنصر.
orders-set-kind-missing = اختر نوع الأمر.
orders-set-code-missing = أدخل رمزًا من دليل هذا النوع.
orders-set-code-unknown = ليس رمزًا قابلاً للطلب من { $kind }.
orders-set-retired = هذه المجموعة متقاعدة.
orders-set-nothing-placed = لم يصدر شيء.
orders-set-review-hint = راجع العناصر: استبعد ما لا يحتاجه المريض، وغيّر الرمز أو الأولوية أو الدواعي، ثم وقّع. تصدر العناصر كلها معًا أو لا يصدر أي منها.
orders-set-place-caption = عناصر المجموعة، للتعديل قبل التوقيع
orders-col-place = إصدار
orders-col-indication = الدواعي
orders-set-place-item = إصدار { $order }
orders-set-code-of = رمز { $order }
orders-set-priority-of = أولوية { $order }
orders-set-indication-of = دواعي { $order }
orders-set-signature = التوقيع
orders-set-sign-now = وقّع الأوامر الآن
orders-set-save-drafts = احفظها كمسودات
orders-set-place = إصدار الأوامر
orders-set-entry-invalid = وقّع الأوامر الآن أو احفظها كمسودات.
orders-set-placed-signed = صدر { $count } أمر (أوامر) من المجموعة ووُقّعت.
orders-set-placed-drafts = صدر { $count } أمر (أوامر) من المجموعة كمسودات.

## Coded values (keys built from the code: keep them in every language)
orders-status-draft = مسودة
orders-status-active = نشط
orders-status-on-hold = معلّق
orders-status-revoked = ملغى
orders-status-completed = مكتمل
orders-status-entered-in-error = أُدخل خطأً
orders-priority-routine = روتيني
orders-priority-urgent = عاجل
orders-priority-asap = في أقرب وقت ممكن
orders-priority-stat = فوري (STAT)
orders-mode-electronic = إلكتروني
orders-mode-verbal = أمر شفهي
orders-mode-telephone = أمر هاتفي
orders-mode-short-verbal = شفهي
orders-mode-short-telephone = هاتفي
orders-entry-signed = وقّع الآن
orders-entry-draft = احفظ كمسودة (وقّع لاحقًا)
orders-entry-verbal = أمر شفهي (نيابةً عن واصف)
orders-entry-telephone = أمر هاتفي (نيابةً عن واصف)
orders-kind-immunization = تطعيم
orders-kind-lab-test = فحص مخبري
orders-kind-medication = دواء
orders-kind-imaging = تصوير
