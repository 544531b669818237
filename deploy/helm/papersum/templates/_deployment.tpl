{{/*
One papersum Deployment. Called with (dict "root" $ "role" "api"|"worker"
"track" "stable"|"canary" "tag" image-tag-or-empty "replicas" n).
*/}}
{{- define "papersum.deployment" -}}
{{- $ := .root -}}
{{- $v := index $.Values .role -}}
{{- $name := printf "%s-%s" (include "papersum.fullname" $) .role -}}
{{- if eq .track "canary" }}{{ $name = printf "%s-canary" $name }}{{ end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "papersum.labels" $ | nindent 4 }}
    app.kubernetes.io/component: {{ .role }}
    papersum.dev/track: {{ .track }}
spec:
  {{- /* An HPA or a ScaledObject owns the replicas of a stable Deployment. */}}
  {{- $autoscaled := false }}
  {{- if eq .track "stable" }}
  {{- if eq .role "api" }}{{ $autoscaled = $v.autoscaling.enabled }}{{ else }}{{ $autoscaled = or $.Values.keda.enabled $v.autoscaling.enabled }}{{ end }}
  {{- end }}
  {{- if not $autoscaled }}
  replicas: {{ .replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 0
      maxSurge: {{ if eq .role "api" }}1{{ else }}25%{{ end }}
  selector:
    matchLabels:
      {{- include "papersum.selectorLabels" $ | nindent 6 }}
      app.kubernetes.io/component: {{ .role }}
      papersum.dev/track: {{ .track }}
  template:
    metadata:
      labels:
        {{- include "papersum.selectorLabels" $ | nindent 8 }}
        app.kubernetes.io/component: {{ .role }}
        app.kubernetes.io/version: {{ .tag | default $.Values.image.tag | default $.Chart.AppVersion | quote }}
        papersum.dev/track: {{ .track }}
      annotations:
        checksum/config: {{ include "papersum.configText" $ | sha256sum }}
        {{- if not $.Values.existingSecret }}
        checksum/secret: {{ toYaml $.Values.devSecret | sha256sum }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "papersum.serviceAccountName" $ }}
      automountServiceAccountToken: false
      {{- with $.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- include "papersum.podSecurityContext" $ | nindent 8 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      {{- if $.Values.topologySpread.enabled }}
      topologySpreadConstraints:
        {{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
        - maxSkew: {{ $.Values.topologySpread.maxSkew }}
          topologyKey: {{ . }}
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "papersum.selectorLabels" $ | nindent 14 }}
              app.kubernetes.io/component: {{ $.role }}
          matchLabelKeys: [pod-template-hash]
        {{- end }}
      {{- end }}
      containers:
        - name: papersum
          {{- if .tag }}
          image: {{ printf "%s:%s" $.Values.image.repository .tag }}
          {{- else }}
          image: {{ include "papersum.image" $ }}
          {{- end }}
          imagePullPolicy: {{ $.Values.image.pullPolicy }}
          args:
            - serve
            - --role={{ .role }}
            - --addr=:8080
            - --metrics-addr=:{{ $.Values.service.metricsPort }}
            - --migrate={{ not $.Values.migrations.enabled }}
            - --shutdown-timeout={{ $v.shutdownTimeout }}
            {{- if eq .role "api" }}
            - --max-wait={{ $v.maxWait }}
            {{- else }}
            - --workers={{ $v.concurrency }}
            - --job-timeout={{ $v.jobTimeout }}
            {{- end }}
            {{- range $v.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          ports:
            - {name: http, containerPort: 8080, protocol: TCP}
            - {name: metrics, containerPort: {{ $.Values.service.metricsPort }}, protocol: TCP}
          {{- include "papersum.env" $ | nindent 10 }}
          {{- include "papersum.probes" $ | nindent 10 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ $v.preStopSleepSeconds }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- include "papersum.containerSecurityContext" $ | nindent 12 }}
          volumeMounts:
            {{- include "papersum.volumeMounts" $ | nindent 12 }}
      volumes:
        {{- include "papersum.volumes" $ | nindent 8 }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
